/**
 * Runs a program to completion with a timeout, collecting its output; the child is registered for cleanup
 * while it runs, so a test that times out does not leave it behind.
 */
import { spawn } from 'node:child_process';
import { registerCleanup } from './cleanup.js';
import { descendantPids, signalAll, terminate } from './processes.js';

export interface CommandResult {
  /** Exit code, or null when the program was ended by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunCommandOptions {
  /** Kill the program (and fail) after this long. Default 15 s. */
  timeoutMs?: number;
  /** Written to stdin, which is then closed. Default: stdin closed at once. */
  input?: string | Uint8Array;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Runs `file args…`; resolves with its result whatever the exit code; rejects on timeout or spawn error. */
export function runCommand(
  file: string,
  args: readonly string[],
  options: RunCommandOptions = {},
): Promise<CommandResult> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.stdin.on('error', () => {}); // EPIPE when the program does not read its input
    child.stdin.end(options.input);

    const pid = child.pid;
    const stopChild = async () => {
      if (pid !== undefined && child.exitCode === null && child.signalCode === null) {
        await terminate([pid, ...descendantPids(pid)], 1000);
      }
    };
    const handle = registerCleanup(`${file} ${args.join(' ')}`.slice(0, 200), stopChild, () => {
      if (pid !== undefined) signalAll([pid, ...descendantPids(pid)], 'SIGKILL');
    });

    const timer = setTimeout(() => {
      if (pid !== undefined) signalAll([pid, ...descendantPids(pid)], 'SIGKILL');
      finish(
        new Error(
          `${file} ${args.join(' ')} did not finish within ${timeoutMs} ms; stderr so far: ` +
            Buffer.concat(stderr).toString('utf8'),
        ),
      );
    }, timeoutMs);

    let settled = false;
    const finish = (error: Error | undefined, result?: CommandResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      handle.release();
      if (error) reject(error);
      else if (result) resolve(result);
    };
    child.on('error', (error) => finish(new Error(`cannot run ${file}: ${error.message}`, { cause: error })));
    child.on('close', (code, signal) =>
      finish(undefined, {
        code,
        signal,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      }),
    );
  });
}

/** Like runCommand, but a non-zero exit is an error that quotes the program's stderr. */
export async function runCommandOrThrow(
  file: string,
  args: readonly string[],
  options: RunCommandOptions = {},
): Promise<CommandResult> {
  const result = await runCommand(file, args, options);
  if (result.code !== 0) {
    throw new Error(
      `${file} ${args.join(' ')} failed (exit ${result.code ?? result.signal}): ${result.stderr.trim()}`,
    );
  }
  return result;
}
