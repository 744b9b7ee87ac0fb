/**
 * The real `latchkey-agent` executable as a child process, for end-to-end tests, always this checkout's
 * code: its bundle, built fresh for this test run (test/harness/fresh-bundles.ts). `runAgent` runs one command to completion; `startAgent` runs the daemon (`run …`) in
 * the background, collecting its output. By default it is registered with the harness cleanup of the
 * current test, so a failing test leaves no agent behind; a daemon that runs across several tests is
 * started with `{ cleanup: false }` and stopped by the block that owns it (its own registered cleanup).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { registerCleanup } from '../../harness/cleanup.js';
import { bundledEnv } from '../../harness/fresh-bundles.js';
import { runCommand } from '../../harness/run-command.js';
import type { CommandResult } from '../../harness/run-command.js';

export const AGENT_BIN = fileURLToPath(new URL('../../../agent/bin/latchkey-agent.js', import.meta.url));
export const AGENT_ENV: NodeJS.ProcessEnv = bundledEnv();

export interface AgentProcess {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves once `pattern` shows in the output after `since`; rejects with the output otherwise. */
  waitForOutput(pattern: RegExp, timeoutMs: number, since?: number): Promise<void>;
  /** The current end of the output, for waitForOutput's `since`. */
  mark(): number;
  /** `signal` (SIGTERM by default), then SIGKILL after 5 s; resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function runAgent(args: readonly string[], timeoutMs = 60_000): Promise<CommandResult> {
  return runCommand(process.execPath, [AGENT_BIN, ...args], { env: AGENT_ENV, timeoutMs });
}

export function startAgent(args: readonly string[], options: { cleanup?: boolean } = {}): AgentProcess {
  const child = spawn(process.execPath, [AGENT_BIN, 'run', ...args], {
    env: AGENT_ENV,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const onData = (chunk: Buffer) => (output += chunk.toString());
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  if (options.cleanup !== false) {
    const handle = registerCleanup('latchkey-agent run', async () => {
      await stop();
    });
    void exited.then(() => handle.release());
  }
  return {
    child,
    output: () => output,
    mark: () => output.length,
    async waitForOutput(pattern, timeoutMs, since = 0) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(output.slice(since))) {
        if (Date.now() > deadline || child.exitCode !== null) {
          throw new Error(`no ${pattern} from the agent within ${timeoutMs} ms; it said:\n${output}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    stop,
  };
}
