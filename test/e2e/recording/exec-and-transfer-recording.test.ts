import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TransferRecord } from '@latchkey/shared';
import { registerCleanup, runCommand, runSsh } from '../../harness/index.js';
import { sshArgs, startRecordingTarget, writeKnownHosts, type RecordingTarget } from './recording-fixture.js';

describe('e2e: recorded non-interactive sessions, scp, rsync and sftp through the recorder', function () {
  this.timeout(60_000);
  let target: RecordingTarget;
  let knownHosts: string;
  let seen: Set<string>;

  before(async () => {
    target = await startRecordingTarget();
    knownHosts = await writeKnownHosts(target);
  });
  after(async () => {
    await target?.stop();
  });
  beforeEach(async () => {
    seen = new Set((await target.logs()).map(({ logId }) => logId));
  });

  /** The logs written since the test started. */
  async function newLogs() {
    return (await target.logs()).filter(({ logId }) => !seen.has(logId));
  }

  function ssh(command: string | undefined, input?: string) {
    return runSsh({
      server: target.sshd,
      user: target.user.name,
      identityFile: target.identityFile,
      certificateFile: target.certificateFile,
      command,
      input,
    });
  }

  /** The -o options (and -F) every OpenSSH tool here takes, without port and user. */
  function clientOptions(): string[] {
    const args = sshArgs(target, knownHosts);
    return args.slice(0, args.indexOf('-p'));
  }

  async function transfers(): Promise<TransferRecord[]> {
    const logs = await newLogs();
    for (const { status, log } of logs) {
      assert.equal(status, 'complete');
      assert.equal(log.integrity.status, 'verified', log.integrity.problems.join('\n'));
    }
    // Uploads first: two sessions started in the same second come out of the spool in either order (its
    // log ids hold the start time to the second, then random hex).
    return logs
      .flatMap(({ log }) => log.records.flatMap((r) => (r.kind === 'transfer' ? [r.body] : [])))
      .sort((a, b) => Number(b.direction === 'upload') - Number(a.direction === 'upload'));
  }

  it('runs a command with plain pipes: its output, input and exit status pass through, and are recorded', async () => {
    const result = await ssh('echo x; cat; echo to-stderr >&2; exit 7', 'from-stdin\n');
    assert.equal(result.code, 7, result.stderr);
    assert.equal(result.stdout, 'x\nfrom-stdin\n');
    assert.match(result.stderr, /to-stderr/);

    const [entry, ...others] = await newLogs();
    assert.equal(others.length, 0);
    const { log } = entry!;
    assert.equal(log.integrity.status, 'verified', log.integrity.problems.join('\n'));
    assert.equal(log.metadata.pty, null);
    assert.equal(log.metadata.exit_data?.status, 7);
    assert.equal(log.integrity.identity?.program_type, 'exec');
    assert.equal(log.integrity.identity?.command, 'echo x; cat; echo to-stderr >&2; exit 7');
    assert.equal(log.integrity.identity?.user_email, 'alice@example.com');
    const text = (source: 0 | 1) =>
      Buffer.concat(log.packets.filter((p) => p.source === source).map((p) => p.data)).toString('utf8');
    assert.equal(text(0), 'from-stdin\n');
    assert.match(text(1), /^x\nfrom-stdin\n/);
    assert.match(text(1), /to-stderr\n/);
  });

  it('a program killed by a signal is reported as that signal', async () => {
    const result = await ssh('kill -TERM $$');
    assert.notEqual(result.code, 0);
    const [entry] = await newLogs();
    const log = entry!.log;
    assert.equal(log.metadata.exit_data?.signal, 'TERM');
    assert.equal(log.metadata.exit_data?.status, null);
  });

  it('scp (legacy protocol) uploads and downloads through the recorder, recorded as transfers', async () => {
    const payload = randomBytes(300_000);
    const local = target.client.file('scp-up.bin');
    await writeFile(local, payload);
    const remote = path.join(target.user.home, 'scp-up.bin');
    const scp = (...args: string[]) =>
      runCommand('/usr/bin/scp', ['-O', ...clientOptions(), '-P', String(target.sshd.port), ...args], {
        timeoutMs: 20_000,
      });
    const up = await scp(local, `${target.user.name}@${target.sshd.host}:scp-up.bin`);
    assert.equal(up.code, 0, up.stderr);
    assert.deepEqual(await readFile(remote), payload);
    const back = target.client.file('scp-down.bin');
    const down = await scp(`${target.user.name}@${target.sshd.host}:scp-up.bin`, back);
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(await readFile(back), payload);

    const records = await transfers();
    assert.deepEqual(
      records.map(({ program, direction }) => ({ program, direction })),
      [
        { program: 'scp', direction: 'upload' },
        { program: 'scp', direction: 'download' },
      ],
    );
    assert.ok(records[0]!.bytes_from_client > payload.length);
    assert.ok(records[1]!.bytes_to_client > payload.length);
  });

  it('scp over sftp and sftp itself work (internal-sftp served by sftp-server) and are recorded', async () => {
    const payload = randomBytes(200_000);
    const local = target.client.file('sftp-up.bin');
    await writeFile(local, payload);
    const up = await runCommand(
      '/usr/bin/scp',
      [
        ...clientOptions(),
        '-P',
        String(target.sshd.port),
        local,
        `${target.user.name}@${target.sshd.host}:sftp-up.bin`,
      ],
      { timeoutMs: 20_000 },
    );
    assert.equal(up.code, 0, up.stderr);
    assert.deepEqual(await readFile(path.join(target.user.home, 'sftp-up.bin')), payload);

    const batch = target.client.file('sftp-batch');
    const back = target.client.file('sftp-down.bin');
    await writeFile(batch, `get sftp-up.bin ${back}\nls\n`);
    const sftp = await runCommand(
      '/usr/bin/sftp',
      [
        ...clientOptions(),
        '-P',
        String(target.sshd.port),
        '-b',
        batch,
        `${target.user.name}@${target.sshd.host}`,
      ],
      { timeoutMs: 20_000 },
    );
    assert.equal(sftp.code, 0, sftp.stderr);
    assert.deepEqual(await readFile(back), payload);

    const logs = await newLogs();
    assert.deepEqual(
      logs.map(({ log }) => [log.integrity.identity?.program_type, log.integrity.identity?.command]),
      [
        ['subsystem', 'sftp'],
        ['subsystem', 'sftp'],
      ],
    );
    // Both sessions are sftp ('both' directions), so transfers() cannot put the upload first: the one
    // that took more from the client is the upload, whichever the spool listed first.
    const records = (await transfers()).sort((a, b) => b.bytes_from_client - a.bytes_from_client);
    assert.equal(records.length, 2);
    assert.ok(records.every((r) => r.program === 'sftp-server' && r.direction === 'both'));
    assert.ok(records[0]!.bytes_from_client > payload.length, 'the upload');
    assert.ok(records[1]!.bytes_to_client > payload.length, 'the download');
    // Payload is not recorded: the logs hold far less than the files moved.
    assert.ok(logs.every(({ log }) => log.metadata.data_size < 10_000));
  });

  it('rsync uploads and downloads through the recorder, recorded as transfers', async () => {
    const payload = randomBytes(250_000);
    const local = target.client.file('rsync-up.bin');
    await writeFile(local, payload);
    const rsh = ['/usr/bin/ssh', ...clientOptions(), '-p', String(target.sshd.port)].join(' ');
    const rsync = (...args: string[]) =>
      runCommand('/usr/bin/rsync', ['-e', rsh, ...args], { timeoutMs: 20_000 });
    const up = await rsync(local, `${target.user.name}@${target.sshd.host}:rsync-up.bin`);
    assert.equal(up.code, 0, up.stderr);
    assert.deepEqual(await readFile(path.join(target.user.home, 'rsync-up.bin')), payload);
    const back = target.client.file('rsync-down.bin');
    const down = await rsync(`${target.user.name}@${target.sshd.host}:rsync-up.bin`, back);
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(await readFile(back), payload);

    const records = await transfers();
    assert.deepEqual(
      records.map(({ program, direction }) => ({ program, direction })),
      [
        { program: 'rsync', direction: 'upload' },
        { program: 'rsync', direction: 'download' },
      ],
    );
    assert.ok(records[0]!.bytes_from_client > payload.length);
    assert.ok(records[1]!.bytes_to_client > payload.length);
  });

  it('strict mode refuses the session when the spool cannot be reached, saying why', async () => {
    await target.writeSettings('strict', path.join(target.stateDir, 'no-such.sock'));
    try {
      const result = await ssh('echo should-not-run');
      assert.equal(result.code, 1);
      assert.equal(result.stdout, '');
      assert.match(
        result.stderr,
        /this session must be recorded, but its log cannot be kept: .*no-such\.sock/,
      );
    } finally {
      await target.writeSettings('best-effort');
    }
  });

  it('best effort: with the spool down the session runs, and its log arrives marked once the spool is back', async () => {
    await target.spool!.close();
    const args = [...sshArgs(target, knownHosts), '-T', target.sshd.host, 'cat; echo done'];
    const child = spawn('/usr/bin/ssh', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    registerCleanup('ssh client', async () => void child.kill('SIGKILL'));
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.stdin.write('while-the-spool-is-down\n');
    for (let waited = 0; !stdout.includes('while-the-spool-is-down'); waited += 20) {
      assert.ok(waited < 15_000, 'the session did not run without a spool');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await target.startSpool();
    child.stdin.end('after\n');
    assert.equal(await exited, 0);
    assert.equal(stdout, 'while-the-spool-is-down\nafter\ndone\n');

    const [entry] = await newLogs();
    assert.ok(entry, 'the log reached the spool after it came back');
    assert.equal(entry.status, 'complete');
    assert.equal(entry.log.integrity.status, 'verified', entry.log.integrity.problems.join('\n'));
    assert.match(entry.log.metadata.exit_data?.error_msg ?? '', /recording degraded \(best effort\)/);
    const fromClient = Buffer.concat(entry.log.packets.filter((p) => p.source === 0).map((p) => p.data));
    assert.equal(fromClient.toString(), 'while-the-spool-is-down\nafter\n');
  });
});
