import { spawn } from 'node:child_process';
import type { CommandResult, CommandRunner } from '../../app/ports/command-runner.js';

const DEFAULT_TIMEOUT_MS = 30_000;
/** Output beyond this is dropped (sshd -T prints a few KB; a runaway program must not fill memory). */
const MAX_OUTPUT_CHARS = 1_000_000;

/** The CommandRunner port on child_process.spawn: argv as given, no shell, stdin closed, C locale. */
export class ChildProcessRunner implements CommandRunner {
  run(argv: readonly string[], options: { readonly timeoutMs?: number } = {}): Promise<CommandResult> {
    const [file, ...args] = argv;
    if (file === undefined) return Promise.resolve(failed('no command given'));
    return new Promise((resolve) => {
      let stdout = '';
      let stderr = '';
      let settled = false;
      const child = spawn(file, args, {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, LC_ALL: 'C' },
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      const finish = (result: CommandResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        if (stdout.length < MAX_OUTPUT_CHARS) stdout += chunk;
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        if (stderr.length < MAX_OUTPUT_CHARS) stderr += chunk;
      });
      child.once('error', (error) => finish(failed(`cannot run ${file}: ${error.message}`)));
      child.once('close', (code, signal) => finish({ code, signal, stdout, stderr }));
    });
  }
}

function failed(reason: string): CommandResult {
  return { code: null, signal: null, stdout: '', stderr: reason };
}
