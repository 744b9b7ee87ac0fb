/**
 * A non-interactive session (no PTY): the requested command (or, without one, the login shell reading
 * its commands from stdin) runs through the user's shell with plain pipes, at full speed. Its output and
 * input are recorded, except for file transfers (scp, rsync, sftp), whose payload is counted, not kept:
 * one transfer record says which program, which direction and how many bytes went each way.
 */
import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { TransferCommand } from '../domain/recording/transfer-commands.js';
import type { SessionExit } from './session-exit.js';
import type { RecordingSink } from './recording-sink.js';

export interface ExecSessionOptions {
  readonly shell: string;
  /** The command line to run with `shell -c`; undefined runs `shell -l` on stdin. */
  readonly command: string | undefined;
  readonly transfer: TransferCommand | null;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly recording: RecordingSink;
}

const FORWARDED_SIGNALS = ['SIGHUP', 'SIGINT', 'SIGTERM', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const;

export async function runExecSession(options: ExecSessionOptions): Promise<SessionExit> {
  const { recording, transfer } = options;
  const child = spawn(options.shell, options.command === undefined ? ['-l'] : ['-c', options.command], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let fromClient = 0;
  let toClient = 0;

  child.stdin.on('error', () => {}); // the program may exit before reading all its input
  // The client may go away first (EPIPE): the program then sees its own broken pipe, the log is still finished.
  process.stdout.on('error', () => {});
  process.stderr.on('error', () => {});
  process.stdin.on('data', (chunk: Buffer) => {
    fromClient += chunk.length;
    if (transfer === null) recording.data(0, chunk);
  });
  process.stdin.pipe(child.stdin);

  const copyOut = (from: Readable, to: Writable) =>
    new Promise<void>((resolve) => {
      from.on('data', (chunk: Buffer) => {
        toClient += chunk.length;
        if (transfer === null) recording.data(1, chunk);
        if (!to.write(chunk)) {
          from.pause();
          to.once('drain', () => from.resume());
        }
      });
      from.on('end', resolve);
      from.on('error', () => resolve());
    });
  const outputs = Promise.all([copyOut(child.stdout, process.stdout), copyOut(child.stderr, process.stderr)]);

  const forwarders = FORWARDED_SIGNALS.map((signal) => {
    const forward = () => child.kill(signal);
    process.on(signal, forward);
    return [signal, forward] as const;
  });

  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('error', () => resolve({ code: 127, signal: null }));
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  await outputs;
  for (const [signal, forward] of forwarders) process.off(signal, forward);
  process.stdin.unpipe(child.stdin);
  process.stdin.pause();
  await Promise.all([drained(process.stdout), drained(process.stderr)]);

  if (transfer !== null) {
    recording.transfer({
      program: transfer.program,
      direction: transfer.direction,
      bytes_from_client: fromClient,
      bytes_to_client: toClient,
    });
  }
  return {
    status: exit.signal ? null : exit.code,
    signal: exit.signal ? exit.signal.replace(/^SIG/, '') : null,
  };
}

function drained(stream: Writable): Promise<void> {
  return new Promise((resolve) => stream.write('', () => resolve()));
}
