import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { CommandRecord, LatchkeyRecord } from '@latchkey/shared';
import { spawn as spawnPty, type IPty } from 'node-pty';
import { pidsOfUid, registerCleanup } from '../../harness/index.js';
import {
  SESSION_ID,
  sshArgs,
  startRecordingTarget,
  writeKnownHosts,
  type RecordingTarget,
} from './recording-fixture.js';

const PROMPT = '[lk-prompt] ';

/** A real `ssh -tt` in a terminal of the test's own (node-pty), so resizes reach ssh as SIGWINCH. */
class TerminalSession {
  output = '';
  readonly exited: Promise<number>;
  private readonly pty: IPty;

  constructor(args: string[]) {
    this.pty = spawnPty('/usr/bin/ssh', args, {
      name: 'xterm-256color',
      cols: 80,
      rows: 24,
      env: cleanEnv(),
    });
    const handle = registerCleanup('ssh terminal', async () => this.pty.kill('SIGKILL'));
    this.pty.onData((data) => (this.output += data));
    this.exited = new Promise((resolve) =>
      this.pty.onExit(({ exitCode }) => {
        handle.release();
        resolve(exitCode);
      }),
    );
  }

  /** Waits until the prompt has been shown `count` times in all. */
  async prompts(count: number): Promise<void> {
    await this.until(() => this.output.split(PROMPT).length - 1 >= count, `prompt #${count}`);
  }

  async until(condition: () => boolean, what: string): Promise<void> {
    for (let waited = 0; !condition(); waited += 20) {
      if (waited > 15_000) throw new Error(`waiting for ${what}; the terminal shows:\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  type(text: string): void {
    this.pty.write(text);
  }

  resize(cols: number, rows: number): void {
    this.pty.resize(cols, rows);
  }

  /** The client dies without a word (SIGKILL): sshd sees the connection drop. */
  kill(): void {
    this.pty.kill('SIGKILL');
  }
}

function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('SSH_')) env[key] = value;
  }
  return env;
}

function commands(records: LatchkeyRecord[]): CommandRecord[] {
  return records.flatMap((record) => (record.kind === 'command' ? [record.body] : []));
}

describe('e2e: recorded interactive sessions (ssh -tt through a real sshd and the recorder)', function () {
  this.timeout(60_000);
  let target: RecordingTarget;
  let knownHosts: string;

  before(async () => {
    target = await startRecordingTarget();
    knownHosts = await writeKnownHosts(target);
  });
  after(async () => {
    await target?.stop();
  });

  it('records each command exactly as typed, with its exit status and cwd, a resize, and the exit status', async () => {
    const session = new TerminalSession([...sshArgs(target, knownHosts), '-tt', target.sshd.host]);
    await session.prompts(1);
    session.type('echo hi\r');
    await session.prompts(2);
    session.type('false\r');
    await session.prompts(3);
    session.type('cd /tmp\r');
    await session.prompts(4);
    session.type('pwd\r');
    await session.prompts(5);
    assert.match(session.output, /\r\/tmp\r\n/);
    session.type('echo \'a;b\'  "$HOME" | tr a-z A-Z\r');
    await session.prompts(6);

    // The new size reaches the shell through ssh, sshd and the recorder's own PTY.
    session.resize(100, 40);
    let prompts = 6;
    for (let tries = 0; tries < 50 && !/\r40 100\r\n/.test(session.output); tries++) {
      session.type('stty size\r');
      await session.prompts(++prompts);
    }
    assert.match(session.output, /\r40 100\r\n/);
    // No mark leaks to the user's terminal.
    assert.doesNotMatch(session.output, /633;LK/);

    session.type('exit 3\r');
    assert.equal(await session.exited, 3);

    const logs = (await target.logs()).filter(({ log }) => log.integrity.identity?.program_type === 'shell');
    assert.equal(logs.length, 1);
    const { status, log } = logs[0]!;
    assert.equal(status, 'complete');
    assert.equal(log.integrity.status, 'verified', log.integrity.problems.join('\n'));
    assert.deepEqual(
      { ...log.integrity.identity, client_address: undefined, server_address: undefined },
      {
        session_id: SESSION_ID,
        target_id: 'target-1',
        target_hostname: 'web-1.example.com',
        user_email: 'alice@example.com',
        principal: target.user.name,
        program_type: 'shell',
        client_address: undefined,
        server_address: undefined,
      },
    );
    assert.match(log.integrity.identity?.server_address ?? '', /^127\.0\.0\.1:\d+$/);
    assert.equal(log.metadata.exit_data?.status, 3);
    assert.equal(log.metadata.pty?.term, 'xterm-256color');

    const typed = commands(log.records);
    const home = target.user.home;
    assert.deepEqual(
      typed.slice(0, 5).map(({ command, cwd, exit_status }) => ({ command, cwd, exit_status })),
      [
        { command: 'echo hi', cwd: home, exit_status: 0 },
        { command: 'false', cwd: home, exit_status: 1 },
        { command: 'cd /tmp', cwd: home, exit_status: 0 },
        { command: 'pwd', cwd: '/tmp', exit_status: 0 },
        { command: 'echo \'a;b\'  "$HOME" | tr a-z A-Z', cwd: '/tmp', exit_status: 0 },
      ],
    );
    assert.ok(typed.slice(5, -1).every((c) => c.command === 'stty size' && c.exit_status === 0));
    assert.deepEqual(typed.at(-1), { command: 'exit 3', cwd: '/tmp', started_at: typed.at(-1)!.started_at });
    for (const c of typed.slice(0, -1)) assert.ok(Date.parse(c.finished_at!) >= Date.parse(c.started_at!));

    const resizes = log.records.filter((record) => record.kind === 'resize');
    assert.deepEqual(
      resizes.map((record) => record.body),
      [{ width: 100, height: 40 }],
    );
    const shown = Buffer.concat(log.packets.filter((p) => p.source === 1).map((p) => p.data)).toString(
      'utf8',
    );
    assert.match(shown, /\rhi\r\n/);
    assert.match(shown, /A;B \/HOME\/LK-/);
    assert.doesNotMatch(shown, /633;LK/);
    const typedKeys = Buffer.concat(log.packets.filter((p) => p.source === 0).map((p) => p.data)).toString(
      'utf8',
    );
    assert.ok(typedKeys.startsWith('echo hi\r'));
  });

  it('a client that vanishes: the shell is hung up and the log is still finished whole', async () => {
    const before = new Set((await target.logs()).map(({ logId }) => logId));
    const session = new TerminalSession([...sshArgs(target, knownHosts), '-tt', target.sshd.host]);
    await session.prompts(1);
    session.type('echo still-here\r');
    await session.prompts(2);
    session.kill();
    await session.exited;

    const newLog = async () => (await target.logs()).find(({ logId }) => !before.has(logId));
    let found = await newLog();
    for (let tries = 0; found?.status !== 'complete' && tries < 500; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      found = await newLog();
    }
    assert.equal(found?.status, 'complete');
    const log = found!.log;
    assert.equal(log.integrity.status, 'verified', log.integrity.problems.join('\n'));
    assert.deepEqual(
      commands(log.records).map(({ command, exit_status }) => ({ command, exit_status })),
      [{ command: 'echo still-here', exit_status: 0 }],
    );
    // The shell ended on the hang-up (bash exits on SIGHUP, by the signal or with 129).
    const exit = log.metadata.exit_data;
    assert.ok(exit?.signal === 'HUP' || exit?.status === 129, JSON.stringify(exit));
  });

  it('a killed recorder leaves a log marked incomplete, with what happened before', async () => {
    const before = new Set((await target.logs()).map(({ logId }) => logId));
    const session = new TerminalSession([...sshArgs(target, knownHosts), '-tt', target.sshd.host]);
    await session.prompts(1);
    session.type('echo before-the-kill\r');
    await session.prompts(2);
    // Wait until the spool holds the command record (the recorder ships within its flush interval).
    const newLog = async () => (await target.logs()).find(({ logId }) => !before.has(logId));
    for (let tries = 0; ; tries++) {
      const found = await newLog();
      if (found && commands(found.log.records).some((c) => c.command === 'echo before-the-kill')) break;
      assert.ok(tries < 500, 'the command record never reached the spool');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const recorders = pidsOfUid(target.user.uid).filter((pid) =>
      cmdline(pid).includes('latchkey-agent-record'),
    );
    assert.equal(recorders.length, 1, 'one recorder process');
    process.kill(recorders[0]!, 'SIGKILL');
    await session.exited;

    let found = await newLog();
    for (let tries = 0; found?.status !== 'incomplete' && tries < 500; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      found = await newLog();
    }
    assert.equal(found?.status, 'incomplete');
    const log = found!.log;
    assert.equal(log.integrity.status, 'incomplete', log.integrity.problems.join('\n'));
    assert.match(log.metadata.exit_data?.error_msg ?? '', /recorder connection closed/);
    assert.equal(log.integrity.identity?.user_email, 'alice@example.com');
    assert.deepEqual(
      commands(log.records).map(({ command, exit_status }) => ({ command, exit_status })),
      [{ command: 'echo before-the-kill', exit_status: 0 }],
    );
  });
});

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}
