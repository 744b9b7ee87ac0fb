/**
 * The access server's configuration, parsed and validated once, here, from the command line options
 * and the environment (options win). Every bad setting is a LatchkeyError('invalid_config') whose
 * message names the setting (and its environment variable) and says how to fix it; `pointer` is the
 * option name. Pure: the caller passes the facts it needs (home directory, whether it runs as root,
 * the working directory); whether files exist is checked by main.ts.
 *
 * | option                | environment                  | default                                         |
 * |-----------------------|------------------------------|-------------------------------------------------|
 * | --data-dir DIR        | LATCHKEY_DATA_DIR            | /var/lib/latchkey-server as root, else          |
 * |                       |                              | $XDG_DATA_HOME/latchkey-server or               |
 * |                       |                              | ~/.local/share/latchkey-server                  |
 * | --listen HOST:PORT    | LATCHKEY_LISTEN              | 127.0.0.1:8443                                  |
 * | --database-url URL    | LATCHKEY_DATABASE_URL        | none: SQLite in DATA_DIR/latchkey.db            |
 * | --tls-cert FILE       | LATCHKEY_TLS_CERT            | none (plain HTTP, loopback only)                |
 * | --tls-key FILE        | LATCHKEY_TLS_KEY             | none                                            |
 * | --allow-insecure-http | LATCHKEY_ALLOW_INSECURE_HTTP | off: plain HTTP only on a loopback address      |
 * | --ca-key-file FILE    | LATCHKEY_CA_KEY_FILE         | DATA_DIR/ca-encryption.key                      |
 * | --public-url URL      | LATCHKEY_PUBLIC_URL          | http(s)://HOST:PORT of --listen                 |
 * | --identity-providers F| LATCHKEY_IDENTITY_PROVIDERS  | none: built-in accounts only                    |
 * | --certificate-ttl D   | LATCHKEY_CERTIFICATE_TTL     | 5m (a duration: 90s, 5m, 1h)                    |
 * | --max-certificate-ttl | LATCHKEY_MAX_CERTIFICATE_TTL | 1h (what a client may ask for at most)          |
 * | --recorder-command C  | LATCHKEY_RECORDER_COMMAND    | `latchkey-agent record` (certificates'          |
 * |                       |                              | force-command when the account records, for     |
 * |                       |                              | targets without an agent; never for others)     |
 * | --agent-package FILE  | LATCHKEY_AGENT_PACKAGE       | dist/latchkey-agent-linux-x64.tar.gz of the     |
 * |                       |                              | checkout (served to targets; main.ts decides)   |
 * | --max-log-size SIZE   | LATCHKEY_MAX_LOG_SIZE        | 4GiB: the largest session log an agent may      |
 * |                       |                              | upload (bytes, or with KiB / MiB / GiB)         |
 * | --trusted-proxy CIDR… | LATCHKEY_TRUSTED_PROXIES     | none: X-Forwarded-For is never read (repeat the |
 * |                       | (comma-separated)            | option; the client is the rightmost untrusted   |
 * |                       |                              | hop, see domain/client-address.ts)              |
 * | --peer-url URL        | LATCHKEY_PEER_URL            | http(s)://HOST:PORT of --listen (the host name  |
 * |                       |                              | for 0.0.0.0 or ::): where other servers reach   |
 * |                       |                              | this one to forward tunnel streams              |
 * | --tunnel-url URL      | LATCHKEY_TUNNEL_URL          | the peer URL: what agents dial for their second |
 * |                       |                              | link to this server (docs/tunnels.md)           |
 */
import { isAbsolute, join, resolve } from 'node:path';
import { LatchkeyError, forceCommandProblem, isIpv4Literal, isIpv6Literal } from '@latchkey/shared';
import { parseTrustedProxies, type TrustedProxies } from './client-address.js';

export const DEFAULT_LISTEN = '127.0.0.1:8443';
/**
 * 4 GiB: an upload is written to the database as it arrives, so the limit no longer bounds memory, only
 * the disk one session may take. A transfer is recorded whole (a 1 GiB scp makes a log a little over
 * 1 GiB), and a log over the limit can never be uploaded: it stays in the agent's spool. 4 GiB lets the
 * transfers people commonly make (images, dumps, releases) through and still stops one runaway session
 * from filling the server's disk. An admin sets it from 1 MiB to 64 GiB.
 */
export const DEFAULT_MAX_LOG_SIZE_BYTES = 4 * 1024 ** 3;
const MAX_LOG_SIZE_CEILING_BYTES = 64 * 1024 ** 3;

export interface ServerConfig {
  dataDir: string;
  listen: { host: string; port: number };
  /** True when --listen was not given (the start-up message says so). */
  listenIsDefault: boolean;
  database: { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };
  tls?: { certFile: string; keyFile: string };
  allowInsecureHttp: boolean;
  /** The AES-256 key that encrypts CA private keys at rest. */
  caKeyFile: string;
  /** Where the first start writes the admin API token (0600). */
  adminTokenFile: string;
  /** The URL people and clients reach the server at; undefined: derived from the listen address. */
  publicUrl?: string;
  /** The upstream OIDC providers' JSON file, if any. */
  identityProvidersFile?: string;
  certificateTtlSeconds: number;
  maxCertificateTtlSeconds: number;
  /**
   * The force-command of recorded sessions' certificates for targets without an agent
   * (domain/certificate-binding.ts); undefined: the default.
   */
  recorderCommand?: string;
  /** The agent package served at /downloads/ (absolute); undefined: main.ts's default. */
  agentPackage?: string;
  /** The largest session log an agent may upload, in bytes. */
  maxLogSizeBytes: number;
  /** The proxies whose X-Forwarded-For names the client (empty: none). */
  trustedProxies: TrustedProxies;
  /** Where other servers reach this one (several servers); undefined: from the listen address. */
  peerUrl?: string;
  /** What agents dial for a second link to this server; undefined: the peer URL. */
  tunnelUrl?: string;
  /**
   * The server-to-server hop may be plain http to a non-loopback peer URL (--allow-insecure-peers); absent:
   * it may not (docs/tunnels.md "Several servers").
   */
  allowInsecurePeers?: boolean;
}

/** The raw settings as commander hands them over (all optional strings / flags). */
export interface ServerOptions {
  dataDir?: string;
  listen?: string;
  databaseUrl?: string;
  tlsCert?: string;
  tlsKey?: string;
  allowInsecureHttp?: boolean;
  caKeyFile?: string;
  publicUrl?: string;
  identityProviders?: string;
  certificateTtl?: string;
  maxCertificateTtl?: string;
  recorderCommand?: string;
  agentPackage?: string;
  maxLogSize?: string;
  /** Repeatable: CIDR ranges or addresses. */
  trustedProxy?: string[];
  peerUrl?: string;
  tunnelUrl?: string;
  allowInsecurePeers?: boolean;
}

export interface ConfigFacts {
  env: Readonly<Record<string, string | undefined>>;
  homeDir: string;
  isRoot: boolean;
  cwd: string;
}

interface Setting {
  option: string;
  env: string;
}

const SETTINGS = {
  dataDir: { option: '--data-dir', env: 'LATCHKEY_DATA_DIR' },
  listen: { option: '--listen', env: 'LATCHKEY_LISTEN' },
  databaseUrl: { option: '--database-url', env: 'LATCHKEY_DATABASE_URL' },
  tlsCert: { option: '--tls-cert', env: 'LATCHKEY_TLS_CERT' },
  tlsKey: { option: '--tls-key', env: 'LATCHKEY_TLS_KEY' },
  allowInsecureHttp: { option: '--allow-insecure-http', env: 'LATCHKEY_ALLOW_INSECURE_HTTP' },
  caKeyFile: { option: '--ca-key-file', env: 'LATCHKEY_CA_KEY_FILE' },
  publicUrl: { option: '--public-url', env: 'LATCHKEY_PUBLIC_URL' },
  identityProviders: { option: '--identity-providers', env: 'LATCHKEY_IDENTITY_PROVIDERS' },
  certificateTtl: { option: '--certificate-ttl', env: 'LATCHKEY_CERTIFICATE_TTL' },
  maxCertificateTtl: { option: '--max-certificate-ttl', env: 'LATCHKEY_MAX_CERTIFICATE_TTL' },
  recorderCommand: { option: '--recorder-command', env: 'LATCHKEY_RECORDER_COMMAND' },
  agentPackage: { option: '--agent-package', env: 'LATCHKEY_AGENT_PACKAGE' },
  maxLogSize: { option: '--max-log-size', env: 'LATCHKEY_MAX_LOG_SIZE' },
  trustedProxy: { option: '--trusted-proxy', env: 'LATCHKEY_TRUSTED_PROXIES' },
  peerUrl: { option: '--peer-url', env: 'LATCHKEY_PEER_URL' },
  tunnelUrl: { option: '--tunnel-url', env: 'LATCHKEY_TUNNEL_URL' },
  allowInsecurePeers: { option: '--allow-insecure-peers', env: 'LATCHKEY_ALLOW_INSECURE_PEERS' },
} as const satisfies Record<keyof ServerOptions, Setting>;

export function parseServerConfig(options: ServerOptions, facts: ConfigFacts): ServerConfig {
  const text = (
    key: Exclude<keyof ServerOptions, 'allowInsecureHttp' | 'allowInsecurePeers' | 'trustedProxy'>,
  ): string | undefined => {
    const value = options[key] ?? facts.env[SETTINGS[key].env];
    if (value === undefined) return undefined;
    if (value.trim() === '') throw invalid(SETTINGS[key], 'must not be empty');
    return value;
  };

  const dataDirText = text('dataDir');
  const dataDir =
    dataDirText === undefined ? defaultDataDir(facts) : resolvePath(dataDirText, facts, SETTINGS.dataDir);

  const listenText = text('listen');
  const listen = parseListen(listenText ?? DEFAULT_LISTEN);

  const databaseUrl = text('databaseUrl');
  const database: ServerConfig['database'] =
    databaseUrl === undefined
      ? { kind: 'sqlite', path: join(dataDir, 'latchkey.db') }
      : { kind: 'postgres', url: parseDatabaseUrl(databaseUrl) };

  const certText = text('tlsCert');
  const keyText = text('tlsKey');
  if ((certText === undefined) !== (keyText === undefined)) {
    const missing = certText === undefined ? SETTINGS.tlsCert : SETTINGS.tlsKey;
    const given = certText === undefined ? SETTINGS.tlsKey : SETTINGS.tlsCert;
    throw invalid(
      missing,
      `is required when ${given.option} is given (HTTPS needs both the certificate and its key)`,
    );
  }
  const tls =
    certText !== undefined && keyText !== undefined
      ? {
          certFile: resolvePath(certText, facts, SETTINGS.tlsCert),
          keyFile: resolvePath(keyText, facts, SETTINGS.tlsKey),
        }
      : undefined;

  const allowInsecureHttp = options.allowInsecureHttp ?? parseFlag(facts.env[SETTINGS.allowInsecureHttp.env]);
  if (tls === undefined && !allowInsecureHttp && !isLoopbackHost(listen.host)) {
    throw invalid(
      SETTINGS.listen,
      `is ${listen.host}:${listen.port}, which is not a loopback address, and plain HTTP would expose API ` +
        `tokens on the network. Give --tls-cert and --tls-key for HTTPS, or --allow-insecure-http if a ` +
        `TLS-terminating proxy sits in front`,
    );
  }

  const caKeyText = text('caKeyFile');
  const publicUrlText = text('publicUrl');
  const peerUrlText = text('peerUrl');
  const tunnelUrlText = text('tunnelUrl');
  const allowInsecurePeers =
    options.allowInsecurePeers ??
    parseFlag(facts.env[SETTINGS.allowInsecurePeers.env], SETTINGS.allowInsecurePeers);
  const peerUrl = peerUrlText === undefined ? undefined : parsePublicUrl(peerUrlText, SETTINGS.peerUrl);
  if (peerUrl !== undefined && !allowInsecurePeers && !isSecurePeerUrl(peerUrl)) {
    throw invalid(
      SETTINGS.peerUrl,
      `is ${peerUrl}: plain http to a non-loopback address would carry the forwarded streams and their ` +
        `credentials unencrypted between servers. Give an https URL, or ${SETTINGS.allowInsecurePeers.option} ` +
        `if the servers' network is private`,
    );
  }
  const identityProvidersText = text('identityProviders');
  const agentPackageText = text('agentPackage');
  const maxCertificateTtlSeconds = parseDuration(
    text('maxCertificateTtl') ?? '1h',
    SETTINGS.maxCertificateTtl,
  );
  const certificateTtlSeconds = parseDuration(text('certificateTtl') ?? '5m', SETTINGS.certificateTtl);
  if (certificateTtlSeconds > maxCertificateTtlSeconds) {
    throw invalid(
      SETTINGS.certificateTtl,
      `(${certificateTtlSeconds} s) is longer than ${SETTINGS.maxCertificateTtl.option} (${maxCertificateTtlSeconds} s); raise the maximum or shorten the default`,
    );
  }
  return {
    dataDir,
    listen,
    listenIsDefault: listenText === undefined,
    database,
    ...(tls === undefined ? {} : { tls }),
    allowInsecureHttp,
    caKeyFile:
      caKeyText === undefined
        ? join(dataDir, 'ca-encryption.key')
        : resolvePath(caKeyText, facts, SETTINGS.caKeyFile),
    adminTokenFile: join(dataDir, 'admin.token'),
    ...(publicUrlText === undefined ? {} : { publicUrl: parsePublicUrl(publicUrlText) }),
    ...(peerUrl === undefined ? {} : { peerUrl }),
    ...(allowInsecurePeers ? { allowInsecurePeers } : {}),
    ...(tunnelUrlText === undefined ? {} : { tunnelUrl: parsePublicUrl(tunnelUrlText, SETTINGS.tunnelUrl) }),
    ...(identityProvidersText === undefined
      ? {}
      : { identityProvidersFile: resolvePath(identityProvidersText, facts, SETTINGS.identityProviders) }),
    certificateTtlSeconds,
    maxCertificateTtlSeconds,
    ...recorderCommandSetting(text('recorderCommand')),
    maxLogSizeBytes: parseByteSize(text('maxLogSize') ?? '4GiB', SETTINGS.maxLogSize),
    trustedProxies: parseTrustedProxies(
      options.trustedProxy !== undefined && options.trustedProxy.length > 0
        ? options.trustedProxy
        : (facts.env[SETTINGS.trustedProxy.env] ?? '').split(','),
      `${SETTINGS.trustedProxy.option} (${SETTINGS.trustedProxy.env})`,
    ),
    ...(agentPackageText === undefined
      ? {}
      : { agentPackage: resolvePath(agentPackageText, facts, SETTINGS.agentPackage) }),
  };

  function parseListen(value: string): { host: string; port: number } {
    const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value.trim());
    if (match === null) {
      throw invalid(
        SETTINGS.listen,
        `${JSON.stringify(value)} is not HOST:PORT (e.g. 127.0.0.1:8443, [::1]:8443, 0.0.0.0:443)`,
      );
    }
    const host = match[1] ?? match[2] ?? '';
    const port = Number(match[3]);
    if (port > 65535) throw invalid(SETTINGS.listen, `port ${port} is out of range (0-65535)`);
    const bracketed = match[1] !== undefined;
    if (bracketed ? !isIpv6Literal(host) : !(isIpv4Literal(host) || isHostname(host))) {
      throw invalid(
        SETTINGS.listen,
        `${JSON.stringify(host)} is not an IP address or host name (write IPv6 as [::1]:8443)`,
      );
    }
    return { host, port };
  }
}

export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIpv4Literal(host)) return host.startsWith('127.');
  if (isIpv6Literal(host)) return /^(?:0{0,4}:){2,7}0{0,3}1$|^::1$/.test(host.toLowerCase());
  return false;
}

function isHostname(host: string): boolean {
  return /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/.test(host) && !/^[\d.]+$/.test(host);
}

function defaultDataDir(facts: ConfigFacts): string {
  if (facts.isRoot) return '/var/lib/latchkey-server';
  const xdg = facts.env.XDG_DATA_HOME;
  if (xdg !== undefined && isAbsolute(xdg)) return join(xdg, 'latchkey-server');
  return join(facts.homeDir, '.local', 'share', 'latchkey-server');
}

function resolvePath(value: string, facts: ConfigFacts, setting: Setting): string {
  if (value.includes('\0')) throw invalid(setting, 'contains a NUL character');
  const expanded = value === '~' || value.startsWith('~/') ? join(facts.homeDir, value.slice(1)) : value;
  return resolve(facts.cwd, expanded);
}

function parseDatabaseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(SETTINGS.databaseUrl, 'is not a URL; use postgres://USER:PASSWORD@HOST:PORT/DATABASE');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw invalid(
      SETTINGS.databaseUrl,
      `has scheme ${url.protocol.replace(/:$/, '')}; only postgres:// (PostgreSQL) is supported. ` +
        'Leave it out to use the embedded SQLite database',
    );
  }
  if (url.pathname === '' || url.pathname === '/') {
    throw invalid(SETTINGS.databaseUrl, 'names no database; add /DATABASE after the host');
  }
  return value;
}

function parsePublicUrl(value: string, setting: Setting = SETTINGS.publicUrl): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(setting, `${JSON.stringify(value)} is not a URL such as https://latchkey.example.com`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw invalid(setting, 'must be an http:// or https:// URL');
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw invalid(setting, 'must not have a query, fragment or credentials');
  }
  return url.href.replace(/\/+$/, '');
}

/** Certificate lifetimes: 90s, 5m, 1h, or plain seconds; between 30 s and 24 h. */
function parseDuration(value: string, setting: Setting): number {
  const match = /^(\d{1,6})\s*(s|m|h)?$/.exec(value.trim());
  if (match === null)
    throw invalid(setting, `${JSON.stringify(value)} is not a duration such as 90s, 5m or 1h`);
  const seconds = Number(match[1]) * (match[2] === 'h' ? 3600 : match[2] === 'm' ? 60 : 1);
  if (seconds < 30 || seconds > 86_400) {
    throw invalid(setting, `${JSON.stringify(value)} is out of range: certificates live from 30s to 24h`);
  }
  return seconds;
}

/** Whether the server-to-server hop to `url` is encrypted, or stays on this machine (loopback). */
export function isSecurePeerUrl(url: string): boolean {
  const parsed = new URL(url);
  return parsed.protocol === 'https:' || isLoopbackHost(parsed.hostname.replace(/^\[|\]$/g, ''));
}

function parseFlag(value: string | undefined, setting: Setting = SETTINGS.allowInsecureHttp): boolean {
  if (value === undefined || value === '') return false;
  const lower = value.toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(lower)) return true;
  if (['0', 'false', 'no', 'off'].includes(lower)) return false;
  throw invalid(setting, `${JSON.stringify(value)} is not true or false`);
}

function invalid(setting: Setting, problem: string): LatchkeyError {
  return new LatchkeyError('invalid_config', `${setting.option} (${setting.env}) ${problem}`, {
    pointer: setting.option,
  });
}

/** Session-log size limits: bytes, or a number with KiB, MiB or GiB (K, M, G for short); 1 MiB to 64 GiB. */
function parseByteSize(value: string, setting: Setting): number {
  const match = /^(\d{1,13})\s*(?:(k|m|g)(?:ib)?|b)?$/i.exec(value.trim());
  if (match === null) {
    throw invalid(setting, `${JSON.stringify(value)} is not a size such as 256MiB, 1GiB or 1048576 (bytes)`);
  }
  const unit = match[2]?.toLowerCase();
  const bytes =
    Number(match[1]) * (unit === 'g' ? 1024 ** 3 : unit === 'm' ? 1024 ** 2 : unit === 'k' ? 1024 : 1);
  if (bytes < 1024 ** 2 || bytes > MAX_LOG_SIZE_CEILING_BYTES) {
    throw invalid(setting, `${JSON.stringify(value)} is out of range: from 1MiB to 64GiB`);
  }
  return bytes;
}

/** The rule of forceCommandProblem (shared): sshd runs it through the user's shell, on one line. */
function recorderCommandSetting(value: string | undefined): { recorderCommand?: string } {
  if (value === undefined) return {};
  const problem = forceCommandProblem(value);
  if (problem !== undefined) throw invalid(SETTINGS.recorderCommand, problem);
  return { recorderCommand: value.trim() };
}
