/**
 * What the extension keeps in SecretStorage for one sign-in: the token pair, when the access token
 * expires, and who signed in (for the Accounts menu). One server URL per stored session: a session
 * for another server is never used.
 */
import { LIMITS, accessTokenNeedsRefresh } from '@latchkey/shared';
import type { Me, TokenSet } from './access-api.js';

export interface StoredSession {
  serverUrl: string;
  accessToken: string;
  refreshToken: string;
  /** Epoch milliseconds. */
  accessTokenExpiresAt: number;
  email: string;
  /** The server's sign-in session id (also the VS Code session id). */
  sessionId: string;
}

/** Refresh this long before the access token expires, so a request never races its expiry. */
export const REFRESH_MARGIN_MS = LIMITS.client.refreshMarginMs;

export function storedSessionFrom(serverUrl: string, tokens: TokenSet, me: Me, now: number): StoredSession {
  return {
    serverUrl,
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token,
    accessTokenExpiresAt: now + tokens.expires_in * 1000,
    email: me.email,
    sessionId: me.session_id,
  };
}

/** The same session after a refresh: the rotated pair replaces the old one (the old refresh token is spent). */
export function rotatedSession(session: StoredSession, tokens: TokenSet, now: number): StoredSession {
  return {
    ...session,
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token,
    accessTokenExpiresAt: now + tokens.expires_in * 1000,
  };
}

export function needsRefresh(session: StoredSession, now: number): boolean {
  return accessTokenNeedsRefresh(session.accessTokenExpiresAt, now);
}

/** Parses what SecretStorage held; anything malformed counts as no session (the person signs in again). */
export function parseStoredSession(text: string | undefined): StoredSession | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const strings = ['serverUrl', 'accessToken', 'refreshToken', 'email', 'sessionId'] as const;
  if (!strings.every((key) => typeof v[key] === 'string')) return undefined;
  if (typeof v.accessTokenExpiresAt !== 'number') return undefined;
  return v as unknown as StoredSession;
}
