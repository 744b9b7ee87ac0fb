/**
 * A private, real OpenSSH sshd for end-to-end tests: `/usr/sbin/sshd -D -e -f CONFIG` on a loopback
 * address and a free port, with its own temp dir (host key, config, pid file), `UsePAM no`, `StrictModes yes`
 * and whatever the test adds (TrustedUserCAKeys, RevokedKeys, Match blocks, …).
 *
 * The config is checked with `sshd -t` before sshd starts (a bad config fails with sshd's own message), and
 * `startSshd` resolves only when sshd has logged "Server listening on" and accepts a TCP connection. The log
 * (sshd runs with -e, so everything goes to stderr, including the per-connection children) is collected in
 * memory: `waitForLog` is how tests assert sshd's reasons, which arrive asynchronously.
 *
 * Everything is registered for cleanup: a test that fails or forgets `stop()` still leaves no sshd behind.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { registerCleanup } from './cleanup.js';
import type { CleanupHandle } from './cleanup.js';
import { findFreePort, hostForSshConfig, waitForTcp } from './network.js';
import { descendantPids, isAlive, signalAll, terminate } from './processes.js';
import { runCommand, runCommandOrThrow } from './run-command.js';
import { createTempDir, writePrivateFile } from './temp-dir.js';
import type { TempDir } from './temp-dir.js';

export type SshdLogLevel = 'QUIET' | 'FATAL' | 'ERROR' | 'INFO' | 'VERBOSE' | 'DEBUG1' | 'DEBUG2' | 'DEBUG3';

/**
 * sshd_config settings by keyword. A string or number is one line, an array several lines of the same
 * keyword (HostKey, AcceptEnv, …), null removes one of the harness defaults.
 */
export type SshdSettings = Record<string, string | number | readonly string[] | null>;

export interface StartSshdOptions {
  /** Loopback address to listen on (127.0.0.x or ::1). Default 127.0.0.1. */
  host?: string;
  /** Port to listen on. Default: a free one (retried if another process takes it first). */
  port?: number;
  /** Host private key in OpenSSH format. Default: a fresh Ed25519 key made with ssh-keygen. */
  hostPrivateKey?: string;
  /** Global settings; they replace the harness defaults keyword by keyword (case-insensitive). */
  settings?: SshdSettings;
  /**
   * Raw lines appended after all global settings: the place for `Match` blocks (a Match block runs to the
   * end of the file, so nothing global may follow it).
   */
  extraConfig?: string | readonly string[];
  /** Default VERBOSE (names the certificate and the reason on each login). */
  logLevel?: SshdLogLevel;
  sshdPath?: string;
  /** How long to wait for "Server listening on" and a TCP connect. Default 10 s. */
  readyTimeoutMs?: number;
}

export interface RunningSshd {
  readonly host: string;
  readonly port: number;
  /** Pid of the listening sshd (unchanged by reload()). */
  readonly pid: number;
  /** The sshd's own temp dir; removed by stop(). */
  readonly dir: string;
  readonly configPath: string;
  readonly hostKeyPath: string;
  /** The host public key, `ssh-ed25519 AAAA…` (no comment). */
  readonly hostKey: string;
  /** The line for a known_hosts file: `[127.0.0.1]:PORT ssh-ed25519 AAAA…`. */
  knownHostsLine(): string;
  /** Everything sshd has logged so far. */
  logs(): string;
  /** The current end of the log: pass it to waitForLog to look only at what comes after. */
  logMark(): number;
  /**
   * Resolves with the first match of `pattern` in the log after `since` (default: from the start), waiting
   * up to `timeoutMs` (default 5 s) for it to arrive; rejects with the log tail when it does not.
   */
  waitForLog(pattern: RegExp, timeoutMs?: number, since?: number): Promise<RegExpExecArray>;
  /** Checks the current config file with `sshd -t`; rejects with sshd's message. */
  validateConfig(): Promise<void>;
  /** SIGHUP: sshd re-reads its config (after validateConfig) and listens again; same pid. */
  reload(): Promise<void>;
  /** Stops sshd and starts it again with the same dir, config and port. */
  restart(): Promise<void>;
  /** Stops sshd and its sessions but keeps its dir, config and port, so resume() can start it again. */
  halt(): Promise<void>;
  /** Starts a halted sshd again on the same port, and waits until it is ready. */
  resume(): Promise<void>;
  /** SIGTERM to sshd and its session children, SIGKILL after a grace period, then removes the temp dir. */
  stop(): Promise<void>;
  /** True once the sshd process has exited. */
  readonly exited: boolean;
}

const DEFAULT_READY_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 3000;
const MAX_PORT_ATTEMPTS = 5;
const ADDRESS_IN_USE = /Bind to port \d+ on \S+ failed: Address already in use/;

/** Starts a private sshd; see the module comment. */
export async function startSshd(options: StartSshdOptions = {}): Promise<RunningSshd> {
  const sshdPath = options.sshdPath ?? '/usr/sbin/sshd';
  const host = options.host ?? '127.0.0.1';
  // sshd refuses to start without its privilege-separation directory.
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });

  const dir = await createTempDir('sshd');
  try {
    const hostKeyPath = dir.file('ssh_host_key');
    if (options.hostPrivateKey === undefined) {
      await runCommandOrThrow('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', hostKeyPath]);
    } else {
      await writePrivateFile(hostKeyPath, ensureTrailingNewline(options.hostPrivateKey));
    }
    const { stdout: publicKey } = await runCommandOrThrow('ssh-keygen', ['-y', '-f', hostKeyPath]);
    const hostKey = publicKey.trim().split(/\s+/).slice(0, 2).join(' ');

    const penaltiesSetting: SshdSettings = (await sshdSupportsPerSourcePenalties(sshdPath))
      ? { PerSourcePenalties: 'no' } // 9.8+: many refused logins in a row must not lock the tests out
      : {};
    const renderConfig = (port: number) =>
      renderSshdConfig(
        {
          ListenAddress: `${hostForSshConfig(host)}:${port}`,
          HostKey: hostKeyPath,
          PidFile: dir.file('sshd.pid'),
          UsePAM: 'no',
          LogLevel: options.logLevel ?? 'VERBOSE',
          StrictModes: 'yes',
          PubkeyAuthentication: 'yes',
          AuthorizedKeysFile: '.ssh/authorized_keys',
          PasswordAuthentication: 'no',
          KbdInteractiveAuthentication: 'no',
          PermitRootLogin: 'no',
          X11Forwarding: 'no',
          PrintMotd: 'no',
          PrintLastLog: 'no',
          UseDNS: 'no',
          Subsystem: 'sftp internal-sftp',
          ...penaltiesSetting,
        },
        options.settings ?? {},
        options.extraConfig ?? [],
      );

    const server = new SshdProcess(sshdPath, host, dir, hostKeyPath, hostKey, dir.file('sshd_config'));
    const readyTimeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
    for (let attempt = 1; ; attempt++) {
      const port = options.port ?? (await findFreePort(host));
      await writeFile(server.configPath, renderConfig(port));
      await server.validateConfig();
      const since = server.logMark();
      try {
        await server.launch(port, readyTimeoutMs);
        return server;
      } catch (error) {
        const portTaken = ADDRESS_IN_USE.test(server.logs().slice(since));
        if (!portTaken || options.port !== undefined || attempt >= MAX_PORT_ATTEMPTS) throw error;
      }
    }
  } catch (error) {
    await dir.remove();
    throw error;
  }
}

/**
 * Renders sshd_config: the defaults with the caller's settings merged in by keyword (sshd keeps the first
 * value it reads, so a setting must replace the default rather than follow it), then the extra lines.
 */
export function renderSshdConfig(
  defaults: SshdSettings,
  settings: SshdSettings,
  extraConfig: string | readonly string[],
): string {
  const merged = new Map<string, { keyword: string; value: SshdSettings[string] }>();
  for (const [keyword, value] of Object.entries(defaults))
    merged.set(keyword.toLowerCase(), { keyword, value });
  for (const [keyword, value] of Object.entries(settings)) {
    const existing = merged.get(keyword.toLowerCase());
    merged.set(keyword.toLowerCase(), { keyword: existing?.keyword ?? keyword, value });
  }
  const lines = ['# Written by the Latchkey test harness (test/harness/sshd.ts).'];
  for (const { keyword, value } of merged.values()) {
    if (value === null) continue;
    const values = typeof value === 'string' || typeof value === 'number' ? [value] : value;
    for (const one of values) lines.push(`${keyword} ${one}`);
  }
  const extra = typeof extraConfig === 'string' ? [extraConfig] : extraConfig;
  return [...lines, ...extra].join('\n') + '\n';
}

class SshdProcess implements RunningSshd {
  port = 0;
  private child: ChildProcess | undefined;
  private logText = '';
  private readonly logListeners = new Set<() => void>();
  private cleanupHandle: CleanupHandle | undefined;

  constructor(
    private readonly sshdPath: string,
    readonly host: string,
    private readonly tempDir: TempDir,
    readonly hostKeyPath: string,
    readonly hostKey: string,
    readonly configPath: string,
  ) {}

  get dir(): string {
    return this.tempDir.path;
  }

  get pid(): number {
    if (this.child?.pid === undefined) throw new Error('sshd is not running');
    return this.child.pid;
  }

  get exited(): boolean {
    return this.child === undefined || this.child.exitCode !== null || this.child.signalCode !== null;
  }

  knownHostsLine(): string {
    return `[${this.host}]:${this.port} ${this.hostKey}`;
  }

  logs(): string {
    return this.logText;
  }

  logMark(): number {
    return this.logText.length;
  }

  waitForLog(pattern: RegExp, timeoutMs = 5000, since = 0): Promise<RegExpExecArray> {
    const search = () => {
      const regex = new RegExp(pattern.source, pattern.flags.replace('g', ''));
      return regex.exec(this.logText.slice(since));
    };
    return new Promise((resolve, reject) => {
      const check = () => {
        const match = search();
        if (match) {
          finish();
          resolve(match);
        } else if (this.exited) {
          finish();
          reject(new Error(`sshd exited before logging ${pattern}; log:\n${this.logTail()}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`sshd did not log ${pattern} within ${timeoutMs} ms; log:\n${this.logTail(since)}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.logListeners.delete(check);
      };
      this.logListeners.add(check);
      check();
    });
  }

  async validateConfig(): Promise<void> {
    const result = await runCommand(this.sshdPath, ['-t', '-f', this.configPath]);
    if (result.code !== 0) {
      throw new Error(
        `sshd -t rejects the config ${this.configPath}: ${(result.stderr + result.stdout).trim()}`,
      );
    }
  }

  /** Spawns sshd on `port` and waits until it is ready; on failure, sshd is stopped and the error says why. */
  async launch(port: number, readyTimeoutMs: number): Promise<void> {
    this.port = port;
    const since = this.logMark();
    const child = spawn(this.sshdPath, ['-D', '-e', '-f', this.configPath], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const append = (chunk: Buffer) => {
      this.logText += chunk.toString('utf8');
      for (const listener of [...this.logListeners]) listener();
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    child.on('exit', () => {
      for (const listener of [...this.logListeners]) listener();
    });
    const spawnError = new Promise<never>((_, reject) =>
      child.once('error', (error) => reject(new Error(`cannot run ${this.sshdPath}: ${error.message}`))),
    );
    spawnError.catch(() => {}); // observed through Promise.race below; never an unhandled rejection
    const pid = child.pid;
    const label = `sshd on ${this.host}:${port}`;
    const stop = (): Promise<void> => this.stop();
    const kill = (): void => {
      if (pid !== undefined) signalAll([pid, ...descendantPids(pid)], 'SIGKILL');
    };
    // Started again (resume, restart): still owned by whoever started it first.
    this.cleanupHandle = this.cleanupHandle?.replace(label, stop, kill) ?? registerCleanup(label, stop, kill);
    try {
      const listening = new RegExp(`Server listening on ${escapeRegExp(this.host)} port ${port}\\.`);
      await Promise.race([this.waitForLog(listening, readyTimeoutMs, since), spawnError]);
      await waitForTcp(this.host, port, readyTimeoutMs);
      // sshd writes its PidFile after it logs "Server listening", so a caller reading it right after
      // launch could race it (seen in CI); ready means the pid file names this process too.
      if (pid !== undefined) await this.waitForPidFile(pid, readyTimeoutMs);
    } catch (error) {
      this.cleanupHandle?.release();
      this.cleanupHandle = undefined;
      await this.terminateProcesses();
      throw new Error(
        `sshd did not become ready on ${this.host}:${port}: ${(error as Error).message.split('\n')[0]}\n` +
          `sshd log:\n${this.logTail(since)}`,
        { cause: error },
      );
    }
  }

  private async waitForPidFile(pid: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const content = await readFile(`${this.dir}/sshd.pid`, 'utf8').catch(() => '');
      if (content.trim() === String(pid)) return;
      if (Date.now() > deadline) throw new Error(`sshd did not write its pid file ${this.dir}/sshd.pid`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async reload(): Promise<void> {
    await this.validateConfig();
    const since = this.logMark();
    process.kill(this.pid, 'SIGHUP');
    await this.waitForLog(/Received SIGHUP; restarting\./, 5000, since);
    await this.waitForLog(/Server listening on /, 5000, since);
    await waitForTcp(this.host, this.port, 5000);
  }

  async restart(): Promise<void> {
    await this.halt();
    await this.resume();
  }

  async halt(): Promise<void> {
    await this.terminateProcesses();
  }

  async resume(): Promise<void> {
    await this.validateConfig();
    await this.launch(this.port, DEFAULT_READY_TIMEOUT_MS);
  }

  async stop(): Promise<void> {
    this.cleanupHandle?.release();
    this.cleanupHandle = undefined;
    try {
      await this.terminateProcesses();
    } finally {
      await this.tempDir.remove();
    }
  }

  /** Ends sshd and every process it forked (session children escape its process group via setsid). */
  private async terminateProcesses(): Promise<void> {
    const child = this.child;
    if (child?.pid === undefined) return;
    const pids = [child.pid, ...descendantPids(child.pid)].filter(isAlive);
    if (pids.length > 0) await terminate(pids, STOP_GRACE_MS);
    if (!this.exited) await new Promise((resolve) => child.once('exit', resolve));
  }

  private logTail(since = 0, maxChars = 4000): string {
    const text = this.logText.slice(since);
    return text.length > maxChars ? `…${text.slice(-maxChars)}` : text;
  }
}

let perSourcePenaltiesSupport: Promise<boolean> | undefined;

/** PerSourcePenalties exists from OpenSSH 9.8 on; older sshd rejects the keyword. */
function sshdSupportsPerSourcePenalties(sshdPath: string): Promise<boolean> {
  perSourcePenaltiesSupport ??= runCommand(sshdPath, ['-V']).then((result) => {
    const version = /OpenSSH_(\d+)\.(\d+)/.exec(result.stderr + result.stdout);
    if (!version) throw new Error(`cannot read the OpenSSH version from ${sshdPath} -V: ${result.stderr}`);
    const [major, minor] = [Number(version[1]), Number(version[2])];
    return major > 9 || (major === 9 && minor >= 8);
  });
  return perSourcePenaltiesSupport;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function ensureTrailingNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}
