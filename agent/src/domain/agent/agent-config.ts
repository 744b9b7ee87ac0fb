/**
 * The agent's settings, checked once at start-up (main.ts passes what the command line and the
 * environment said; nothing else reads them). Each mistake is reported naming the flag and the fix.
 */
import { LatchkeyError } from '@latchkey/shared/errors/latchkey-error';
import { parseAuditorKey } from '@latchkey/shared/session-log/auditor-keys';
import { DEFAULT_STATE_DIR } from '../sshd/apply-plan.js';

export const CLOUDFLARE_API_BASE = 'https://api.cloudflare.com/client/v4';
export const DEFAULT_INTERVAL_SECONDS = 60;
/**
 * What the heartbeat's `recording.recorder_command` says (the API keeps the field): the agent's SSH front
 * records every session itself; the server puts nothing of it into certificates.
 */
export const FRONT_RECORDER = 'latchkey-agent front';
/**
 * Where the agent's SSH front listens by default: every IPv4 address, port 3022 (Teleport's node port;
 * sshd keeps 22, so administrators' own keys keep working). Open it in the host's firewall.
 */
export const DEFAULT_FRONT_LISTEN = { host: '0.0.0.0', port: 3022 } as const;

/** Options as commander hands them over (all strings). */
export interface RawAgentOptions {
  readonly stateDir?: string;
  readonly sshdConfig?: string;
  readonly sshDir?: string;
  readonly caPath?: string;
  readonly dropInDir?: string;
  readonly sshdPidFile?: string;
  readonly interval?: string;
  readonly hostname?: string;
  readonly interface?: readonly string[];
  readonly vnet?: string;
  readonly cloudflareAccountId?: string;
  readonly apiToken?: string;
  readonly apiBase?: string;
  readonly spoolDir?: string;
  readonly recordingMode?: string;
  readonly auditorPublicKey?: string;
  /** `HOST:PORT`, `[V6]:PORT` or `PORT` (`off`, from an agent before the front: the default, with a warning). */
  readonly frontListen?: string;
  /** Flags of agents before the front, which a unit may still pass: accepted, and named in a warning. */
  readonly recordSocket?: string;
  readonly recorderCommand?: string;
}

export interface SshdPathSettings {
  readonly mainPath?: string;
  readonly sshDir?: string;
  readonly caPath?: string;
  readonly dropInDir?: string;
  readonly pidFile?: string;
  readonly stateDir: string;
}

export interface AgentConfig {
  readonly stateDir: string;
  readonly sshd: SshdPathSettings;
  readonly intervalMs: number;
  readonly hostname?: string;
  readonly interfaces?: readonly string[];
  readonly virtualNetwork?: string;
  /** Cloudflare mode (drive a Cloudflare account directly) when present. */
  readonly cloudflare?: { readonly accountId: string; readonly apiToken: string; readonly apiBase: string };
  /** Session recording: where the front spools logs, and what recording.json says. */
  readonly recording: {
    readonly spoolDir: string;
    readonly mode: 'best-effort' | 'strict';
    /** Cloudflare mode only: the auditors' key (base64 of the raw X25519 key). */
    readonly localAuditorKey?: string;
  };
  /** The SSH front (DESIGN.md flow 6): absent in Cloudflare mode. Port 0 picks a free port (tests). */
  readonly front?: { readonly host: string; readonly port: number };
  /** What an agent before the front may have left or passed (docs/agent.md, upgrading). */
  readonly legacy: {
    /** Its force-command recorder's spool socket, removed once the host is switched over. */
    readonly recordSocket: string;
    /** Its flags given on this command line: they no longer do anything, and main.ts says so. */
    readonly ignoredFlags: readonly string[];
  };
}

/** Where an agent before the front kept its recorders' spool socket (and, beside it, `peers/`). */
export const LEGACY_RECORD_SOCKET = '/run/latchkey-agent/record.sock';

export function parseAgentConfig(raw: RawAgentOptions): AgentConfig {
  const stateDir = absolutePath(raw.stateDir ?? DEFAULT_STATE_DIR, '--state-dir');
  const intervalSeconds = raw.interval === undefined ? DEFAULT_INTERVAL_SECONDS : Number(raw.interval);
  if (!Number.isFinite(intervalSeconds) || intervalSeconds < 1 || intervalSeconds > 86_400) {
    throw invalid(
      '--interval',
      `--interval must be a number of seconds between 1 and 86400, not ${raw.interval}`,
    );
  }
  const cloudflareFlags = [raw.cloudflareAccountId, raw.apiToken].filter((value) => value !== undefined);
  if (cloudflareFlags.length === 1) {
    throw invalid(
      raw.cloudflareAccountId === undefined ? '--cloudflare-account-id' : '--api-token',
      'Cloudflare mode needs both --cloudflare-account-id and --api-token (or LATCHKEY_AGENT_API_TOKEN)',
    );
  }
  if (raw.apiBase !== undefined && raw.cloudflareAccountId === undefined) {
    throw invalid('--api-base', '--api-base is for Cloudflare mode: give --cloudflare-account-id too');
  }
  const mode = raw.recordingMode ?? 'best-effort';
  if (mode !== 'best-effort' && mode !== 'strict') {
    throw invalid(
      '--recording-mode',
      `--recording-mode must be best-effort or strict, not ${JSON.stringify(mode)}`,
    );
  }
  if (raw.auditorPublicKey !== undefined) {
    if (raw.cloudflareAccountId === undefined) {
      throw invalid(
        '--auditor-public-key',
        '--auditor-public-key is for Cloudflare mode; an access server hands out its own (audit_ssh_settings)',
      );
    }
    try {
      parseAuditorKey(raw.auditorPublicKey, '--auditor-public-key');
    } catch (error) {
      throw invalid('--auditor-public-key', (error as Error).message);
    }
  }
  const frontOff = raw.frontListen?.trim() === 'off';
  const front =
    raw.cloudflareAccountId !== undefined
      ? undefined
      : parseFrontListen(frontOff ? undefined : (raw.frontListen ?? undefined));
  const ignoredFlags = [
    ...(frontOff ? ['--front-listen off'] : []),
    ...(raw.recordSocket === undefined ? [] : ['--record-socket']),
    ...(raw.recorderCommand === undefined ? [] : ['--recorder-command']),
  ];
  const interfaces = (raw.interface ?? []).map((name) => name.trim()).filter((name) => name !== '');
  return {
    stateDir,
    sshd: {
      stateDir,
      ...optionalPath('mainPath', raw.sshdConfig, '--sshd-config'),
      ...optionalPath('sshDir', raw.sshDir, '--ssh-dir'),
      ...optionalPath('caPath', raw.caPath, '--ca-path'),
      ...optionalPath('dropInDir', raw.dropInDir, '--drop-in-dir'),
      ...optionalPath('pidFile', raw.sshdPidFile, '--sshd-pid-file'),
    },
    intervalMs: Math.round(intervalSeconds * 1000),
    recording: {
      spoolDir: absolutePath(raw.spoolDir ?? `${stateDir}/spool`, '--spool-dir'),
      mode,
      ...(raw.auditorPublicKey === undefined ? {} : { localAuditorKey: raw.auditorPublicKey.trim() }),
    },
    ...(front === undefined ? {} : { front }),
    legacy: {
      recordSocket: absolutePath(raw.recordSocket ?? LEGACY_RECORD_SOCKET, '--record-socket'),
      ignoredFlags,
    },
    ...(raw.hostname === undefined ? {} : { hostname: raw.hostname }),
    ...(interfaces.length === 0 ? {} : { interfaces }),
    ...(raw.vnet === undefined || raw.vnet === '' ? {} : { virtualNetwork: raw.vnet }),
    ...(raw.cloudflareAccountId === undefined || raw.apiToken === undefined
      ? {}
      : {
          cloudflare: {
            accountId: raw.cloudflareAccountId,
            apiToken: raw.apiToken,
            apiBase: httpUrl(raw.apiBase ?? CLOUDFLARE_API_BASE, '--api-base'),
          },
        }),
  };
}

/**
 * `--front-listen`: `PORT`, `HOST:PORT` or `[V6]:PORT`; undefined is the default. (`off` chose the
 * force-command recorder of agents before the front; parseAgentConfig takes it as the default, so that a
 * unit written for such an agent switches its host over instead of failing to start.)
 */
export function parseFrontListen(value: string | undefined): { host: string; port: number } {
  if (value === undefined) return { ...DEFAULT_FRONT_LISTEN };
  const text = value.trim();
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]:|([^:[\]]+):)?(\d{1,5})$/.exec(text);
  const port = Number(match?.[3]);
  if (match === null || !Number.isInteger(port) || port > 65535) {
    throw invalid(
      '--front-listen',
      `--front-listen must be PORT, HOST:PORT or [IPV6]:PORT, not ${JSON.stringify(value)}`,
    );
  }
  return { host: match[1] ?? match[2] ?? DEFAULT_FRONT_LISTEN.host, port };
}

/** The access server's URL given to `enroll`: http(s), no trailing slash. */
export function parseServerUrl(value: string): string {
  return httpUrl(value, '--server');
}

function httpUrl(value: string, flag: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(flag, `${flag} must be an http(s) URL, not ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw invalid(flag, `${flag} must be an http(s) URL, not ${JSON.stringify(value)}`);
  }
  return value.replace(/\/+$/, '');
}

function absolutePath(value: string, flag: string): string {
  if (!value.startsWith('/'))
    throw invalid(flag, `${flag} must be an absolute path, not ${JSON.stringify(value)}`);
  return value.replace(/(.)\/+$/, '$1');
}

function optionalPath<K extends string>(
  key: K,
  value: string | undefined,
  flag: string,
): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: absolutePath(value, flag) }) as { [P in K]?: string };
}

function invalid(flag: string, message: string): LatchkeyError {
  return new LatchkeyError('invalid_config', message, { pointer: flag });
}
