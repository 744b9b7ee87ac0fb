/**
 * The processes the local Latchkey starts: each one's output goes to its own log file (so the terminal
 * shows only what a person needs), can be waited on for a line, and is stopped by stopAll(), newest
 * first (the agent before the sshd it manages, both before the server), SIGTERM then SIGKILL after 5 s.
 * A child that dies on its own while the others run stops everything: a half-working demo helps nobody.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';

export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  readonly logFile: string;
  output(): string;
  /** Resolves with the first match of `pattern` in the output; rejects if the child exits or time runs out. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
}

export class Children {
  private readonly running: Child[] = [];
  private stopping = false;

  constructor(private readonly onUnexpectedExit: (child: Child, how: string) => void) {}

  start(
    name: string,
    command: string,
    args: readonly string[],
    logFile: string,
    options: SpawnOptions = {},
  ): Child {
    const log: WriteStream = createWriteStream(logFile, { flags: 'a', mode: 0o600 });
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.length > 1_000_000) output = output.slice(-500_000);
      log.write(chunk);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    const handle: Child = {
      name,
      process: child,
      logFile,
      output: () => output,
      waitFor: (pattern, timeoutMs) =>
        new Promise((resolve, reject) => {
          const check = () => {
            const match = pattern.exec(output);
            if (match !== null) {
              cleanup();
              resolve(match);
            }
          };
          const onExit = () => {
            cleanup();
            reject(
              new Error(`${name} exited before it was ready; its log (${logFile}) ends:\n${tail(output)}`),
            );
          };
          const timer = setTimeout(() => {
            cleanup();
            reject(
              new Error(
                `${name} was not ready within ${timeoutMs / 1000} s; its log (${logFile}) ends:\n${tail(output)}`,
              ),
            );
          }, timeoutMs);
          const cleanup = () => {
            clearTimeout(timer);
            child.stdout!.off('data', check);
            child.stderr!.off('data', check);
            child.off('exit', onExit);
          };
          child.stdout!.on('data', check);
          child.stderr!.on('data', check);
          child.once('exit', onExit);
          check();
        }),
    };
    child.once('exit', (code, signal) => {
      log.end();
      if (!this.stopping) this.onUnexpectedExit(handle, signal ?? `exit code ${code}`);
    });
    this.running.push(handle);
    return handle;
  }

  async stopAll(): Promise<void> {
    this.stopping = true;
    for (const child of [...this.running].reverse()) await stop(child.process);
  }
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function tail(text: string): string {
  return text.split('\n').slice(-15).join('\n');
}
