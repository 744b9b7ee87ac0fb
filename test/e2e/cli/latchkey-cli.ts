/**
 * Runs the real `latchkey` executable (cli/bin/latchkey.js, its bundle built fresh for this test run:
 * test/harness/fresh-bundles.ts) as a child process, as a person would, in a home of its own: HOME,
 * XDG_CONFIG_HOME and TMPDIR point into a temp dir, so the tests see exactly which files it writes and
 * that it leaves no temp files behind.
 */
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { registerCleanup } from '../../harness/cleanup.js';
import '../../harness/fresh-bundles.js';
import { terminate } from '../../harness/processes.js';
import { runCommand } from '../../harness/run-command.js';
import type { CommandResult } from '../../harness/run-command.js';
import { approveDeviceCode } from '../../support/device-approval.js';

export const LATCHKEY_BIN = fileURLToPath(new URL('../../../cli/bin/latchkey.js', import.meta.url));

export interface CliHome {
  /** $HOME */
  home: string;
  /** $XDG_CONFIG_HOME/latchkey */
  configDir: string;
  /** $TMPDIR */
  tmp: string;
  env: NodeJS.ProcessEnv;
}

export async function makeCliHome(root: string, server: string): Promise<CliHome> {
  const home = `${root}/home`;
  const tmp = `${root}/tmp`;
  await mkdir(home, { recursive: true, mode: 0o700 });
  await mkdir(tmp, { recursive: true, mode: 0o700 });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    XDG_CONFIG_HOME: `${home}/.config`,
    TMPDIR: tmp,
    LATCHKEY_SERVER: server,
  };
  return { home, configDir: `${home}/.config/latchkey`, tmp, env };
}

export function runLatchkey(
  cli: CliHome,
  args: readonly string[],
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<CommandResult> {
  return runCommand(process.execPath, [LATCHKEY_BIN, ...args], {
    env: { ...cli.env, ...options.env },
    timeoutMs: options.timeoutMs ?? 30_000,
  });
}

/**
 * `latchkey login`, with the test playing the person: reads the verification URL from the CLI's
 * stderr, approves the code on the server's pages with a built-in account, and waits for the CLI.
 */
export async function loginWithDeviceFlow(
  cli: CliHome,
  person: { email: string; password: string },
  args: readonly string[] = [],
): Promise<CommandResult & { verificationUri: string }> {
  const child = spawn(process.execPath, [LATCHKEY_BIN, 'login', ...args], {
    env: cli.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid!;
  const handle = registerCleanup(`latchkey login ${pid}`, () => terminate([pid]));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  try {
    const verificationUri = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no verification URL within 30 s:\n${stderr}`)),
        30_000,
      );
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = /^To sign in, open (\S+) and check the code is [A-Z0-9]{4}-[A-Z0-9]{4}$/m.exec(stderr);
        if (match !== null) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`latchkey login ended before showing a URL:\n${stderr}`));
      });
    });
    await approveDeviceCode(verificationUri, person);
    const { code, signal } = await exited;
    return { code, signal, stdout, stderr, verificationUri };
  } finally {
    if (child.exitCode === null && child.signalCode === null) await terminate([pid]);
    handle.release();
  }
}
