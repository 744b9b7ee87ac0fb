/**
 * An upstream identity provider: somebody else (an OpenID Connect provider) signs the person in, and tells
 * Latchkey who they are (adapters/oidc/openid-client-provider.ts).
 *
 * The login is two steps around a browser redirect. `beginLogin` gives the URL to send the browser to and a
 * `PendingUpstreamLogin` that the caller keeps server-side (never in the browser) until the provider
 * redirects back; `completeLogin` takes the URL the browser came back to and that pending login, and
 * answers the person's identity or throws a LatchkeyError:
 *
 * - `upstream_unavailable`: the provider cannot be reached, or refused Latchkey's own client credentials;
 * - `unauthenticated`: the person is not signed in: the provider answered an error (the person denied
 *   access), the state does not match, the ID token is invalid, it has no email, or the email is not verified.
 */
import { LatchkeyError } from '@latchkey/shared';
import type { JsonObject, JsonValue } from '../../domain/records.js';

/** Who signed in, as the provider said it (docs/sign-in.md, "Who is a person"). */
export interface UpstreamIdentity {
  /** The provider's configured id (the person's `login_method`). */
  providerId: string;
  /** The ID token's `iss`: with `subject`, who the person is (an email is not). */
  issuer: string;
  /** The ID token's `sub`. */
  subject: string;
  /** The mapped email claim: exactly one address, verified (or the provider trusted), lowercased. */
  email: string;
  /** The mapped groups claim: its strings (a single string is one group). */
  groups: string[];
  /** The `amr` claim (RFC 8176), else `['pwd']`. */
  authMethods: string[];
  /** Every claim of the ID token. */
  claims: Record<string, JsonValue>;
}

/** What `completeLogin` needs back. JSON-serialisable: store it with `pendingUpstreamLoginToJson`. */
export interface PendingUpstreamLogin {
  providerId: string;
  state: string;
  nonce: string;
  /** The PKCE code verifier: a secret, keep it server-side. */
  codeVerifier: string;
  redirectUri: string;
}

export interface UpstreamIdentityProvider {
  readonly id: string;
  /** For people: the sign-in button says "Sign in with <name>". */
  readonly name: string;
  /** The URL to send the browser to, and what must be kept until the callback. */
  beginLogin(redirectUri: string): Promise<{ authorizationUrl: string; pending: PendingUpstreamLogin }>;
  /** Checks state, exchanges the code (PKCE), validates the ID token (nonce), maps claims. */
  completeLogin(callbackUrl: URL, pending: PendingUpstreamLogin): Promise<UpstreamIdentity>;
}

export function pendingUpstreamLoginToJson(pending: PendingUpstreamLogin): JsonObject {
  return { ...pending };
}

/** Reads back what `pendingUpstreamLoginToJson` stored; `internal` if it is not that shape. */
export function pendingUpstreamLoginFromJson(json: JsonObject): PendingUpstreamLogin {
  const text = (key: keyof PendingUpstreamLogin): string => {
    const value = json[key];
    if (typeof value !== 'string') {
      throw new LatchkeyError('internal', `a stored pending upstream login has no string ${key}`);
    }
    return value;
  };
  return {
    providerId: text('providerId'),
    state: text('state'),
    nonce: text('nonce'),
    codeVerifier: text('codeVerifier'),
    redirectUri: text('redirectUri'),
  };
}

export function upstreamIdentityToJson(identity: UpstreamIdentity): JsonObject {
  return { ...identity };
}

/** Reads back what `upstreamIdentityToJson` stored; `internal` if it is not that shape. */
export function upstreamIdentityFromJson(json: JsonObject): UpstreamIdentity {
  const { providerId, issuer, subject, email, groups, authMethods, claims } = json;
  const isStrings = (value: JsonValue | undefined): value is string[] =>
    Array.isArray(value) && value.every((item) => typeof item === 'string');
  if (
    typeof providerId !== 'string' ||
    typeof subject !== 'string' ||
    typeof email !== 'string' ||
    !isStrings(groups) ||
    !isStrings(authMethods) ||
    claims === null ||
    typeof claims !== 'object' ||
    Array.isArray(claims)
  ) {
    throw new LatchkeyError(
      'internal',
      'a stored upstream identity is not {providerId, subject, email, groups, authMethods, claims}',
    );
  }
  // Logins completed before issuers were recorded (an upgrade mid-sign-in) are keyed by provider id.
  const keyIssuer = typeof issuer === 'string' && issuer !== '' ? issuer : `provider:${providerId}`;
  return { providerId, issuer: keyIssuer, subject, email, groups, authMethods, claims };
}
