/**
 * The checks `latchkey admin …` makes on its arguments before it asks the server, so a typo gets a
 * one-line error naming the option rather than a 400 from the server: target hostnames and addresses,
 * join-token uses and lifetime, list limits; and the permissions the admin commands need.
 */
import { LIMITS, LatchkeyError, hostnameProblem, normaliseIp } from '@latchkey/shared';
import { parseDurationSeconds } from '@latchkey/shared/time/duration';

/** The API token permissions the admin commands use (docs/admin-guide.md, section 5). */
export type AdminPermission =
  | 'Zero Trust: Read'
  | 'Zero Trust: Edit'
  | 'Audit Logs: Read'
  | 'Account API Tokens: Read'
  | 'Account API Tokens: Edit'
  | 'Access: SSH Auditing: Read'
  | 'Access: SSH Auditing: Edit';

export function checkTargetHostname(hostname: string): string {
  const problem = hostnameProblem(hostname);
  if (problem !== undefined) {
    throw new LatchkeyError('invalid_argument', `the hostname ${JSON.stringify(hostname)} ${problem}`, {
      pointer: 'HOSTNAME',
    });
  }
  return hostname;
}

/** `--ip` given once or twice: at most one IPv4 and one IPv6 literal, normalised. */
export function parseTargetAddresses(given: readonly string[]): { ipv4?: string; ipv6?: string } {
  if (given.length === 0) {
    throw new LatchkeyError('invalid_argument', "say the target's address: --ip ADDR (IPv4 or IPv6)", {
      pointer: '--ip',
    });
  }
  const found: { ipv4?: string; ipv6?: string } = {};
  for (const text of given) {
    const ip = normaliseIp(text.trim());
    if (ip === undefined) {
      throw new LatchkeyError(
        'invalid_argument',
        `--ip ${JSON.stringify(text)} is not an IP address (IPv4 like 10.0.0.5, or IPv6 like 2001:db8::5)`,
        { pointer: '--ip' },
      );
    }
    const key = ip.family === 4 ? 'ipv4' : 'ipv6';
    if (found[key] !== undefined) {
      throw new LatchkeyError(
        'invalid_argument',
        `--ip given two IPv${ip.family} addresses (${found[key]}, ${ip.address}); a target has at most one of each`,
        { pointer: '--ip' },
      );
    }
    found[key] = ip.address;
  }
  return found;
}

/** `--uses`: a whole number from 1 to 100000 (LIMITS.joinToken, the server's rule). */
export function parseJoinTokenUses(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const uses = Number(text);
  const { minUses, maxUses } = LIMITS.joinToken;
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(uses) || uses < minUses || uses > maxUses) {
    throw new LatchkeyError(
      'invalid_argument',
      `--uses must be a whole number from ${minUses} to ${maxUses}, not ${text}`,
      {
        pointer: '--uses',
      },
    );
  }
  return uses;
}

/** `--expires`: `30m`, `24h`, `7d`, `2w` from now, as seconds; between 1 minute and 366 days (LIMITS.joinToken). */
export function parseJoinTokenLifetime(text: string | undefined): number | undefined {
  return parseLifetime(text, '--expires');
}

function parseLifetime(text: string | undefined, pointer: string): number | undefined {
  if (text === undefined) return undefined;
  const seconds = parseDurationSeconds(text) ?? NaN;
  const { minLifetimeSeconds, maxLifetimeSeconds } = LIMITS.joinToken;
  if (!Number.isSafeInteger(seconds) || seconds < minLifetimeSeconds || seconds > maxLifetimeSeconds) {
    throw new LatchkeyError(
      'invalid_argument',
      `${pointer} must be a lifetime like 30m, 24h or 7d (or weeks: 2w), between 1 minute and 366 days, not ${text}`,
      { pointer },
    );
  }
  return seconds;
}

/** `--limit`: a whole number above 0. */
export function parseLimit(text: string): number {
  const limit = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(limit) || limit < 1) {
    throw new LatchkeyError('invalid_argument', `--limit must be a whole number above 0, not ${text}`, {
      pointer: '--limit',
    });
  }
  return limit;
}

/** `admin sessions end SESSION_ID`: letters, digits and "-", at most 64 (the server's rule). */
export function checkSessionId(text: string): string {
  if (!/^[A-Za-z0-9-]{1,64}$/.test(text)) {
    throw new LatchkeyError(
      'invalid_argument',
      `${JSON.stringify(text)} is not a session id (letters, digits and "-", as \`latchkey admin sessions\` lists them)`,
      { pointer: 'SESSION_ID' },
    );
  }
  return text;
}

/** `admin tokens show|revoke TOKEN_ID`: an API token's id, a UUID (as `latchkey admin tokens` lists them). */
export function checkTokenId(text: string): string {
  if (!isUuid(text)) {
    throw new LatchkeyError(
      'invalid_argument',
      'TOKEN_ID must be an API token id, a UUID as `latchkey admin tokens` lists them; what was given is ' +
        'not one (and is not printed back: it may be a secret)',
      { pointer: 'TOKEN_ID' },
    );
  }
  return text.toLowerCase();
}

/** `admin agents replace --expires`: 1 minute to 7 days (the server's rule for replace tokens). */
export function parseReplaceTokenLifetime(text: string | undefined): number | undefined {
  const seconds = parseLifetime(text, '--expires');
  if (seconds !== undefined && seconds > LIMITS.joinToken.maxReplacementLifetimeSeconds) {
    throw new LatchkeyError('invalid_argument', `--expires for a replace token is at most 7d, not ${text}`, {
      pointer: '--expires',
    });
  }
  return seconds;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(text: string): boolean {
  return UUID.test(text);
}

/**
 * The line each host runs to install the agent with this join token (docs/admin-guide.md, section 7). With
 * the package's sha256 (read from the server by the admin's CLI) the installer refuses any other package,
 * whatever the server it downloads from says then.
 */
export function installLine(server: string, secret: string, packageSha256?: string): string {
  const pin = packageSha256 === undefined ? '' : ` --sha256 ${packageSha256}`;
  return `curl -fsSL ${server.replace(/\/+$/, '')}/install.sh | sudo bash -s -- --token ${secret}${pin}`;
}

/** Whether a join token secret is one (`lkj_` and base64url, as the server makes them): safe in a shell line. */
export function isJoinTokenSecret(text: string): boolean {
  return /^[A-Za-z0-9_-]{8,200}$/.test(text);
}

/** The first field of a `sha256sum` line, when it is a sha256 (64 hex digits). */
export function parseSha256Line(text: string): string | undefined {
  const digest = text.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  return /^[0-9a-f]{64}$/.test(digest) ? digest : undefined;
}

/** Whether the installer takes this server URL as it is: https, or plain http to loopback only. */
export function installerAcceptsUrl(server: string): boolean {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    return false;
  }
  if (url.protocol === 'https:') return true;
  return (
    url.protocol === 'http:' &&
    (url.hostname === 'localhost' || url.hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(url.hostname))
  );
}
