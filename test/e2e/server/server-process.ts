/**
 * Runs the real `latchkey-server` executable (server/bin/latchkey-server.js, its bundle built fresh for
 * this test run: test/harness/fresh-bundles.ts) as a child
 * process for end-to-end tests: `start` on a temp data dir and a free loopback port, waiting for its
 * LISTENING line; and one-shot commands (`token create`, bad settings). Every process is registered with
 * the harness cleanup, so a failing test leaves nothing running.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { registerCleanup } from '../../harness/cleanup.js';
import { bundledEnv } from '../../harness/fresh-bundles.js';
import { isAlive, terminate } from '../../harness/processes.js';
import { runCommand } from '../../harness/run-command.js';
import type { CommandResult } from '../../harness/run-command.js';

export const SERVER_BIN = fileURLToPath(new URL('../../../server/bin/latchkey-server.js', import.meta.url));

const ENV = { ...bundledEnv(), LATCHKEY_LOG_LEVEL: 'info' };

export interface ServerProcess {
  readonly pid: number;
  /** e.g. http://127.0.0.1:40123 */
  readonly url: string;
  output(): string;
  /** SIGTERM (orderly shutdown), then SIGKILL after a grace period. */
  stop(): Promise<void>;
  /** SIGKILL: a crash. */
  kill(): Promise<void>;
}

/**
 * The bound on a start is generous on purpose: a start (migrations, the console's scripts bundled) takes
 * about a second on a quiet machine and many times that on a loaded one. The wait itself ends on the
 * event (the LISTENING line, or the process exiting), never on the clock.
 */
export async function startServerProcess(args: string[], timeoutMs = 120_000): Promise<ServerProcess> {
  // LATCHKEY_SERVER_NODE_FLAGS: node flags for the server alone (e.g. `--cpu-prof --cpu-prof-dir=DIR` in a
  // benchmark; node refuses --cpu-prof in NODE_OPTIONS, which every child would inherit anyway).
  const nodeFlags = (process.env.LATCHKEY_SERVER_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...nodeFlags, SERVER_BIN, 'start', ...args], {
    env: ENV,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start latchkey-server');
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const handle = registerCleanup(
    `latchkey-server ${pid}`,
    () => terminate([pid]),
    () => {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    },
  );
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`latchkey-server did not start in ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    const onData = () => {
      const match = /^LISTENING (\S+)$/m.exec(output);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`latchkey-server exited with ${code} before listening:\n${output}`));
    });
  });
  const end = async (signal: 'SIGTERM' | 'SIGKILL') => {
    if (isAlive(pid)) {
      if (signal === 'SIGKILL') process.kill(pid, 'SIGKILL');
      await terminate([pid]);
    }
    await exited;
    handle.release();
  };
  return { pid, url, output: () => output, stop: () => end('SIGTERM'), kill: () => end('SIGKILL') };
}

export function runServerCommand(args: string[], timeoutMs = 30_000, input?: string): Promise<CommandResult> {
  return runCommand(process.execPath, [SERVER_BIN, ...args], {
    env: ENV,
    timeoutMs,
    ...(input === undefined ? {} : { input }),
  });
}

/** An API token with `permission`, made with `latchkey-server token create` on the server's data dir. */
export async function createApiToken(dataDir: string, permission: string): Promise<string> {
  const created = await runServerCommand([
    'token',
    'create',
    '--data-dir',
    dataDir,
    '--permission',
    permission,
  ]);
  if (created.code !== 0) throw new Error(`latchkey-server token create failed: ${created.stderr}`);
  return created.stdout.trim();
}

/** Response JSON as tests read it: any shape, checked by assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

/** A JSON request to a running server. */
export async function api(
  server: { url: string },
  method: string,
  path: string,
  token: string,
  body?: unknown,
): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json() };
}
