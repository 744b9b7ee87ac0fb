// Everything people do over SSH, through the agent's front, with real OpenSSH tools: scp in both modes,
// rsync, sftp, git, port forwarding and agent forwarding (each allowed by one policy and refused by
// another), a signal in a terminal and exit statuses; each leaves a record in the session log.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import type { LatchkeyRecord, TransferRecord } from '@latchkey/shared';
import { parseSshPublicKey } from '@latchkey/shared';
import { generateEphemeralKeyPair } from '../../../extension/src/adapters/ssh/ed25519-key-pair.js';
import { Ssh2Connector, sha256Fingerprint } from '../../../extension/src/adapters/ssh/ssh2-connector.js';
import type { ShellEnd } from '../../../extension/src/app/ports/ssh.js';
import { eventually, registerCleanup, runCommand } from '../../harness/index.js';
import { startFrontWorld, type FrontWorld, type FrontedTarget } from './front-fixture.js';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

function transfers(records: readonly LatchkeyRecord[]): TransferRecord[] {
  return records.flatMap((record) => (record.kind === 'transfer' ? [record.body] : []));
}

describe('e2e: scp, rsync, sftp, git and forwarding through the SSH front', function () {
  this.timeout(240_000);
  let world: FrontWorld;
  let local: string;
  let payload: Buffer;
  let remoteDir: string;

  before(async () => {
    world = await startFrontWorld();
    local = path.join(world.base, 'client', 'files');
    await mkdir(local, { recursive: true });
    payload = randomBytes(3 * 1024 * 1024 + 17);
    await writeFile(path.join(local, 'payload.bin'), payload);
    remoteDir = `${world.user.home}/incoming`;
    const made = await ssh(world.web, `mkdir -p ${remoteDir}`);
    assert.equal(made.code, 0, made.stderr);
  });
  after(async () => {
    await world?.stop();
  });

  async function options(target: FrontedTarget, person: 'bob' | 'carol' = 'bob'): Promise<string[]> {
    return world.clientOptions(target, await world.certificateFor(target, person));
  }

  async function ssh(
    target: FrontedTarget,
    command: string,
    extra: string[] = [],
    person: 'bob' | 'carol' = 'bob',
    input?: string,
  ) {
    return runCommand(
      '/usr/bin/ssh',
      [
        ...(await options(target, person)),
        ...extra,
        '-p',
        String(target.frontPort),
        '-l',
        world.user.name,
        '127.0.0.1',
        command,
      ],
      { timeoutMs: 60_000, ...(input === undefined ? {} : { input }) },
    );
  }

  async function remoteSha(file: string): Promise<string> {
    const result = await ssh(world.web, `sha256sum ${file}`);
    assert.equal(result.code, 0, result.stderr);
    return result.stdout.split(' ')[0]!;
  }

  /** The server's logs of web-1 whose transfer records match. */
  async function transferLogged(predicate: (transfer: TransferRecord) => boolean): Promise<TransferRecord> {
    for (let attempt = 0; attempt < 150; attempt++) {
      for (const { log } of await world.serverLogs(world.web)) {
        const found = transfers(log.records).find(predicate);
        if (found !== undefined) return found;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('no such transfer record in the logs on the server');
  }

  for (const mode of ['-O', '-s'] as const) {
    it(`scp ${mode === '-O' ? 'in the legacy protocol (-O)' : 'over sftp (the default)'} both ways, byte for byte`, async () => {
      const name = `scp${mode}.bin`;
      const opts = await options(world.web);
      const up = await runCommand(
        '/usr/bin/scp',
        [
          mode,
          ...opts,
          '-P',
          String(world.web.frontPort),
          path.join(local, 'payload.bin'),
          `${world.user.name}@127.0.0.1:${remoteDir}/${name}`,
        ],
        { timeoutMs: 60_000 },
      );
      assert.equal(up.code, 0, up.stderr);
      assert.equal(await remoteSha(`${remoteDir}/${name}`), sha256(payload));
      const back = path.join(local, `back-${name}`);
      const down = await runCommand(
        '/usr/bin/scp',
        [
          mode,
          ...(await options(world.web)),
          '-P',
          String(world.web.frontPort),
          `${world.user.name}@127.0.0.1:${remoteDir}/${name}`,
          back,
        ],
        { timeoutMs: 60_000 },
      );
      assert.equal(down.code, 0, down.stderr);
      assert.equal(sha256(await readFile(back)), sha256(payload));
      const program = mode === '-O' ? 'scp' : 'sftp-server';
      const recorded = await transferLogged(
        (t) => t.program === program && t.bytes_from_client >= payload.length,
      );
      assert.ok(recorded.bytes_from_client >= payload.length);
    });
  }

  it('rsync, byte for byte', async () => {
    const sshCommand = ['ssh', ...(await options(world.web)), '-p', String(world.web.frontPort)].join(' ');
    const result = await runCommand(
      'rsync',
      [
        '-a',
        '-e',
        sshCommand,
        path.join(local, 'payload.bin'),
        `${world.user.name}@127.0.0.1:${remoteDir}/rsync.bin`,
      ],
      { timeoutMs: 60_000 },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await remoteSha(`${remoteDir}/rsync.bin`), sha256(payload));
    await transferLogged((t) => t.program === 'rsync' && t.direction === 'upload');
  });

  it('sftp in batch mode', async () => {
    const batch = path.join(local, 'sftp.batch');
    await writeFile(batch, `put ${path.join(local, 'payload.bin')} ${remoteDir}/sftp.bin\nls ${remoteDir}\n`);
    const result = await runCommand(
      '/usr/bin/sftp',
      [
        ...(await options(world.web)),
        '-P',
        String(world.web.frontPort),
        '-b',
        batch,
        `${world.user.name}@127.0.0.1`,
      ],
      { timeoutMs: 60_000 },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /sftp\.bin/);
    assert.equal(await remoteSha(`${remoteDir}/sftp.bin`), sha256(payload));
  });

  it('git clone and push over ssh', async () => {
    const bare = `${world.user.home}/repo.git`;
    const init = await ssh(world.web, `git init -q --bare ${bare}`);
    assert.equal(init.code, 0, init.stderr);
    const env = {
      ...process.env,
      GIT_SSH_COMMAND: ['ssh', ...(await options(world.web)), '-p', String(world.web.frontPort)].join(' '),
    };
    const work = path.join(local, 'work');
    const clone = await runCommand('git', ['clone', '-q', `${world.user.name}@127.0.0.1:${bare}`, work], {
      env,
      timeoutMs: 60_000,
    });
    assert.equal(clone.code, 0, clone.stderr);
    await writeFile(path.join(work, 'README'), 'through the front\n');
    const git = (...args: string[]) =>
      runCommand('git', ['-C', work, '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
        env,
        timeoutMs: 60_000,
      });
    assert.equal((await git('add', 'README')).code, 0);
    assert.equal((await git('commit', '-q', '-m', 'one')).code, 0);
    const push = await git('push', '-q', 'origin', 'HEAD:main');
    assert.equal(push.code, 0, push.stderr);
    const log = await ssh(world.web, `git --git-dir=${bare} log --format=%s main`);
    assert.equal(log.stdout.trim(), 'one');
  });

  describe('forwarding, as the policy says', () => {
    let echo: Server;
    let echoPort: number;
    before(async () => {
      echo = createServer((socket) => socket.pipe(socket));
      await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
      echoPort = (echo.address() as { port: number }).port;
      registerCleanup('echo server', () => new Promise((resolve) => echo.close(() => resolve())));
    });
    after(() => new Promise<void>((resolve) => echo.close(() => resolve())));

    it('port forwarding works where the policy allows it, and is logged with its destination', async () => {
      const result = await ssh(world.web, '', ['-W', `127.0.0.1:${echoPort}`], 'bob', 'ping-through-front\n');
      assert.match(result.stdout, /ping-through-front/);
      const recorded = await transferLogged(
        (t) => t.program === 'port-forward' && t.destination === `127.0.0.1:${echoPort}`,
      );
      assert.ok(recorded.bytes_to_client > 0);
    });

    it('port forwarding is refused where the policy does not allow it', async () => {
      const result = await ssh(world.db, '', ['-W', `127.0.0.1:${echoPort}`], 'carol', 'ping\n');
      assert.notEqual(result.code, 0);
      assert.doesNotMatch(result.stdout, /ping/);
    });

    it("agent forwarding reaches the person's agent where allowed, not elsewhere", async () => {
      const agentDir = path.join(world.base, 'client', 'agent');
      await mkdir(agentDir, { recursive: true, mode: 0o700 });
      const socket = path.join(agentDir, 'sock');
      const started = await runCommand('ssh-agent', ['-a', socket]);
      assert.equal(started.code, 0, started.stderr);
      const pid = /SSH_AGENT_PID=(\d+)/.exec(started.stdout)?.[1];
      registerCleanup('ssh-agent', async () => void (pid && process.kill(Number(pid))));
      try {
        const added = await runCommand('ssh-add', [world.identityFile], {
          env: { ...process.env, SSH_AUTH_SOCK: socket },
        });
        assert.equal(added.code, 0, added.stderr);
        const withAgent = ['-o', `IdentityAgent=${socket}`, '-A'];
        const allowed = await ssh(world.web, 'ssh-add -l', withAgent, 'bob');
        assert.equal(allowed.code, 0, allowed.stderr);
        assert.match(allowed.stdout, /ED25519/);
        await transferLogged((t) => t.program === 'agent-forward' && t.bytes_to_client > 0);
        const refused = await ssh(world.db, 'ssh-add -l', withAgent, 'carol');
        assert.notEqual(refused.code, 0);
      } finally {
        if (pid) process.kill(Number(pid));
      }
    });
  });

  it("the VS Code extension's terminal (ssh2 with the certificate) opens through the front, host key as the server says", async () => {
    const key = generateEphemeralKeyPair('vscode');
    const issued = await world.issue(world.web, key.publicKeyLine);
    assert.equal(issued.target.port, world.web.frontPort);
    const serverKey = parseSshPublicKey(issued.target.host_key as string);
    const expected = sha256Fingerprint(Buffer.from(serverKey.blob));
    const seen: string[] = [];
    const shell = await new Ssh2Connector().openShell({
      host: '127.0.0.1',
      port: issued.target.port,
      username: world.user.name,
      key,
      certificate: issued.certificate,
      size: { columns: 90, rows: 20 },
      verifyHostKey: async (fingerprint) => {
        seen.push(fingerprint);
        return fingerprint === expected;
      },
    });
    let output = '';
    shell.onData((data) => (output += data.toString()));
    const ended = new Promise<ShellEnd>((resolve) => shell.onEnd(resolve));
    await eventually('the prompt', 20_000, async () => (output.includes('[lk-prompt] ') ? true : undefined));
    shell.write('echo from-vscode-$((2*21)); stty size\r');
    await eventually('the output', 20_000, async () =>
      /from-vscode-42/.test(output) && /20 90/.test(output) ? true : undefined,
    );
    shell.write('exit 4\r');
    assert.equal((await ended).exitCode, 4);
    assert.deepEqual(seen, [expected]);
    // The same connector refuses a host that is not the one the server names.
    await assert.rejects(
      new Ssh2Connector().openShell({
        host: '127.0.0.1',
        port: world.db.frontPort,
        username: world.user.name,
        key,
        certificate: issued.certificate,
        size: { columns: 90, rows: 20 },
        verifyHostKey: async (fingerprint) => fingerprint === expected,
      }),
      /host key was not accepted/,
    );
  });

  it('exit statuses and a ^C in a terminal come through', async () => {
    const status = await ssh(world.web, 'exit 7');
    assert.equal(status.code, 7);
    const terminal = await world.terminal(world.web, await world.certificateFor(world.web));
    const first = await terminal.waitFor('[lk-prompt] ');
    terminal.type('sleep 30\r');
    await terminal.waitFor('sleep 30', first);
    terminal.type('\x03');
    await terminal.waitFor('[lk-prompt] ', first + 10);
    terminal.type('exit\r');
    assert.equal(await terminal.exited, 130, "the shell's status after ^C");
  });
});
