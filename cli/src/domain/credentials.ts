import { LatchkeyError } from '@latchkey/shared';
import type { TokenSet } from './access-api.js';

/** What the CLI keeps per access server after `latchkey login`. */
export interface Credentials {
  /** The normalised server URL (see normaliseServerUrl). */
  server: string;
  access_token: string;
  refresh_token: string;
  /** ISO date-time when the access token expires. */
  expires_at: string;
}

/** The credentials file: one entry per server, keyed by its normalised URL. */
export interface CredentialsFile {
  servers: Record<string, Credentials>;
}

/** The credentials for tokens received at `now` (epoch milliseconds). */
export function credentialsFromTokens(server: string, tokens: TokenSet, now: number): Credentials {
  return {
    server,
    access_token: tokens.access_token,
    refresh_token: tokens.refresh_token,
    expires_at: new Date(now + tokens.expires_in * 1000).toISOString(),
  };
}

const isString = (value: unknown): value is string => typeof value === 'string' && value !== '';

/** Reads the file's JSON; anything malformed is an error naming the file and the way out. */
export function parseCredentialsFile(text: string, path: string): CredentialsFile {
  const broken = (why: string) =>
    new LatchkeyError(
      'invalid_config',
      `${path} is not a Latchkey credentials file (${why}); delete it and run \`latchkey login\` again`,
    );
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw broken((error as Error).message);
  }
  if (typeof json !== 'object' || json === null) throw broken('not a JSON object');
  const servers = (json as { servers?: unknown }).servers;
  if (typeof servers !== 'object' || servers === null || Array.isArray(servers)) {
    throw broken('no "servers" object');
  }
  const result: CredentialsFile = { servers: {} };
  for (const [key, value] of Object.entries(servers)) {
    const entry = value as Partial<Credentials> | null;
    if (
      entry === null ||
      typeof entry !== 'object' ||
      !isString(entry.server) ||
      !isString(entry.access_token) ||
      !isString(entry.refresh_token) ||
      !isString(entry.expires_at)
    ) {
      throw broken(
        `the entry for ${JSON.stringify(key)} lacks server, access_token, refresh_token or expires_at`,
      );
    }
    result.servers[key] = {
      server: entry.server,
      access_token: entry.access_token,
      refresh_token: entry.refresh_token,
      expires_at: entry.expires_at,
    };
  }
  return result;
}

export function renderCredentialsFile(file: CredentialsFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}
