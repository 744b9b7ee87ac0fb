/**
 * The SshRunner port: the system OpenSSH client as a child process, authenticating through a one-key
 * agent inside latchkey (one-key-ssh-agent.ts) whose socket lives in a fresh 0700 temp dir. The key never
 * touches the disk; the dir is removed when the session ends, and on SIGINT, SIGTERM and SIGHUP, which
 * are passed on to ssh first. stdin and stdout are ssh's own; stderr passes through latchkey (once the
 * ssh is kept) so that a changed-host-key refusal can be recognised.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LatchkeyError } from '@latchkey/shared';
import type { SshAgentSession, SshRunResult, SshRunner, StartedSsh } from '../../app/ports/ssh-runner.js';
import { OneKeySshAgent } from './one-key-ssh-agent.js';

const STDERR_TAIL_BYTES = 16 * 1024;
const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export class SshProcessRunner implements SshRunner {
  constructor(private readonly sshPath = 'ssh') {}

  async withAgent<T>(use: (session: SshAgentSession) => Promise<T>): Promise<T> {
    const dir = mkdtempSync(join(tmpdir(), 'latchkey-ssh-'));
    const removeNow = () => rmSync(dir, { recursive: true, force: true });
    process.on('exit', removeNow);
    const children = new Set<ChildProcess>();
    const forward = (signal: NodeJS.Signals) => {
      for (const child of children)
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    };
    for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
    let agent: OneKeySshAgent | undefined;
    const started: StartedSsh[] = [];
    try {
      agent = await OneKeySshAgent.listen(join(dir, 'agent.sock'));
      const session: SshAgentSession = {
        agentSocket: agent.socketPath,
        provide: (identity) => agent!.provide(identity),
        start: (args) => {
          const ssh = this.startSsh(args, children);
          started.push(ssh);
          return ssh;
        },
      };
      return await use(session);
    } finally {
      // Whatever `use` left running had not authenticated (or is the one `use` gave up waiting for).
      await Promise.all(started.map((ssh) => ssh.abandon()));
      for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
      await agent?.close();
      removeNow();
      process.off('exit', removeNow);
    }
  }

  private startSsh(args: string[], children: Set<ChildProcess>): StartedSsh {
    const child = spawn(this.sshPath, args, { stdio: ['inherit', 'inherit', 'pipe'] });
    children.add(child);
    let kept = false;
    let held: Buffer[] = [];
    let tail = Buffer.alloc(0);
    child.stderr!.on('data', (chunk: Buffer) => {
      if (kept) process.stderr.write(chunk);
      else held.push(chunk);
      tail = Buffer.concat([tail, chunk]);
      if (tail.length > STDERR_TAIL_BYTES) tail = tail.subarray(tail.length - STDERR_TAIL_BYTES);
    });
    const result = new Promise<SshRunResult>((resolve, reject) => {
      child.on('error', (error) => {
        children.delete(child);
        reject(
          new LatchkeyError(
            'unavailable',
            `cannot run ${this.sshPath} (${error.message}); install the OpenSSH client (e.g. apt install openssh-client)`,
            { cause: error },
          ),
        );
      });
      child.on('close', (code, signal) => {
        children.delete(child);
        resolve({
          exitCode: code ?? 128 + (signal === null ? 0 : (constants.signals[signal] ?? 0)),
          stderrTail: tail.toString('utf8'),
        });
      });
    });
    // A caller that abandons this ssh may never look at its result.
    result.catch(() => {});
    return {
      result,
      keep() {
        kept = true;
        for (const chunk of held) process.stderr.write(chunk);
        held = [];
      },
      async abandon() {
        if (!kept) held = [];
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        await result.catch(() => undefined);
      },
    };
  }
}
