/**
 * The upstream identity providers file (`--identity-providers FILE`, LATCHKEY_IDENTITY_PROVIDERS): which
 * OpenID Connect providers people may sign in with, besides the built-in accounts. Parsed and validated
 * once, here; every problem is a LatchkeyError('invalid_config') whose `pointer` is the JSON pointer of the
 * offending value and whose message says how to fix it. Pure: the caller reads the file, and reads a
 * `client_secret_file` (this module only says which one it is).
 *
 * ```json
 * {"providers": [{
 *   "id": "corp",                               // [a-z0-9-]{1,64}, unique, not "builtin"
 *   "name": "Corp SSO",                         // shown on the sign-in button
 *   "issuer": "https://sso.example.com",        // https; http only for a loopback host (tests)
 *   "client_id": "latchkey",
 *   "client_secret": "…",                       // or "client_secret_file": "/etc/latchkey/corp.secret"
 *   "scopes": ["openid", "email", "profile", "groups"],     // default openid email profile
 *   "claims": {"email": "email", "groups": "groups"},       // which ID token claims to read
 *   "trust_unverified_email": false             // use an email the provider does not say is verified
 * }]}
 * ```
 *
 * An email is used only when the ID token says `email_verified: true`, unless the provider is configured
 * with `trust_unverified_email: true` (for providers that never send the claim and verify emails
 * themselves). `allow_unverified_email` is the older name of the same setting.
 */
import { LatchkeyError } from '@latchkey/shared';
import { BUILTIN_LOGIN_METHOD } from './access/person.js';
import { isLoopbackHost } from './server-config.js';

export const DEFAULT_SCOPES: readonly string[] = ['openid', 'email', 'profile'];

/** Where the client secret is: in the file itself, or in a file of its own (read by the caller). */
export type ClientSecretSource = { kind: 'inline'; value: string } | { kind: 'file'; path: string };

export interface IdentityProviderConfig {
  id: string;
  name: string;
  /** The issuer URL exactly as given (discovery appends /.well-known/openid-configuration). */
  issuer: string;
  clientId: string;
  clientSecret: ClientSecretSource;
  /** Always contains `openid`. */
  scopes: string[];
  /** The ID token claims to read the email and the groups from. */
  claims: { email: string; groups: string };
  /** `trust_unverified_email`: use the email even when the ID token does not say `email_verified: true`. */
  allowUnverifiedEmail: boolean;
}

const PROVIDER_KEYS = new Set([
  'id',
  'name',
  'issuer',
  'client_id',
  'client_secret',
  'client_secret_file',
  'scopes',
  'claims',
  'allow_unverified_email',
  'trust_unverified_email',
]);
const CLAIMS_KEYS = new Set(['email', 'groups']);

/**
 * Parses the text of the identity providers file. `source` names it in messages (e.g. the file path).
 * An empty list of providers is valid: only built-in accounts then.
 */
export function parseIdentityProvidersConfig(
  text: string,
  source = 'the identity providers file',
): IdentityProviderConfig[] {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new LatchkeyError('invalid_config', `${source} is not valid JSON (${(error as Error).message})`, {
      pointer: '',
      cause: error,
    });
  }
  const fail = (pointer: string, problem: string): LatchkeyError =>
    new LatchkeyError(
      'invalid_config',
      `${source}: ${pointer === '' ? 'the document' : pointer} ${problem}`,
      {
        pointer,
      },
    );

  if (!isObject(document)) throw fail('', 'must be an object: {"providers": [ … ]}');
  for (const key of Object.keys(document)) {
    if (key !== 'providers')
      throw fail(`/${escapePointer(key)}`, 'is not a known setting (only "providers")');
  }
  const providers = document.providers;
  if (!Array.isArray(providers)) throw fail('/providers', 'must be an array of providers');

  const seen = new Map<string, number>();
  return providers.map((provider: unknown, index) => {
    const at = `/providers/${index}`;
    if (!isObject(provider))
      throw fail(at, 'must be an object with id, name, issuer, client_id, client_secret');
    for (const key of Object.keys(provider)) {
      if (!PROVIDER_KEYS.has(key)) {
        throw fail(
          `${at}/${escapePointer(key)}`,
          `is not a known setting (known: ${[...PROVIDER_KEYS].join(', ')})`,
        );
      }
    }
    const stringAt = (key: string): string => {
      const value = provider[key];
      if (value === undefined) throw fail(`${at}/${key}`, 'is required');
      if (typeof value !== 'string' || value.trim() === '')
        throw fail(`${at}/${key}`, 'must be a non-empty string');
      return value;
    };

    const id = stringAt('id');
    if (!/^[a-z0-9-]{1,64}$/.test(id)) {
      throw fail(`${at}/id`, `is ${JSON.stringify(id)}; use 1 to 64 lowercase letters, digits and dashes`);
    }
    if (id === BUILTIN_LOGIN_METHOD) {
      throw fail(`${at}/id`, `must not be "${BUILTIN_LOGIN_METHOD}" (the login method of built-in accounts)`);
    }
    const earlier = seen.get(id);
    if (earlier !== undefined) throw fail(`${at}/id`, `"${id}" is already the id of /providers/${earlier}`);
    seen.set(id, index);

    const name = stringAt('name');
    const issuer = parseIssuer(stringAt('issuer'), `${at}/issuer`);
    const clientId = stringAt('client_id');

    const hasSecret = provider.client_secret !== undefined;
    const hasSecretFile = provider.client_secret_file !== undefined;
    if (hasSecret === hasSecretFile) {
      throw fail(
        hasSecret ? `${at}/client_secret_file` : at,
        hasSecret
          ? 'and client_secret are both given; keep exactly one'
          : 'needs client_secret or client_secret_file (a file holding the secret)',
      );
    }
    const clientSecret: ClientSecretSource = hasSecret
      ? { kind: 'inline', value: stringAt('client_secret') }
      : { kind: 'file', path: stringAt('client_secret_file') };

    return {
      id,
      name,
      issuer,
      clientId,
      clientSecret,
      scopes: parseScopes(provider.scopes, `${at}/scopes`),
      claims: parseClaims(provider.claims, `${at}/claims`),
      allowUnverifiedEmail: trustUnverifiedEmail(provider, at),
    };
  });

  function parseIssuer(value: string, pointer: string): string {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw fail(
        pointer,
        `is ${JSON.stringify(value)}, not a URL; give the provider's issuer, e.g. https://sso.example.com`,
      );
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw fail(pointer, `is ${value}: use an https URL`);
    }
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    if (url.protocol === 'http:' && !isLoopbackHost(host)) {
      throw fail(pointer, `is ${value}: plain http is allowed only for a loopback host (tests); use https`);
    }
    if (url.search !== '' || url.hash !== '') throw fail(pointer, 'must not have a query or a fragment');
    return value;
  }

  function parseScopes(value: unknown, pointer: string): string[] {
    if (value === undefined) return [...DEFAULT_SCOPES];
    if (!Array.isArray(value) || value.length === 0) {
      throw fail(pointer, `must be a non-empty array of scope names, e.g. ${JSON.stringify(DEFAULT_SCOPES)}`);
    }
    value.forEach((scope: unknown, index) => {
      if (typeof scope !== 'string' || !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(scope)) {
        throw fail(`${pointer}/${index}`, 'must be a scope name (no spaces or quotes)');
      }
    });
    const scopes = [...new Set(value as string[])];
    if (!scopes.includes('openid')) throw fail(pointer, 'must contain "openid" (Latchkey needs an ID token)');
    return scopes;
  }

  function parseClaims(value: unknown, pointer: string): { email: string; groups: string } {
    const claims = { email: 'email', groups: 'groups' };
    if (value === undefined) return claims;
    if (!isObject(value))
      throw fail(pointer, 'must be an object like {"email": "email", "groups": "groups"}');
    for (const [key, claim] of Object.entries(value)) {
      if (!CLAIMS_KEYS.has(key))
        throw fail(`${pointer}/${escapePointer(key)}`, 'is not known (only email and groups)');
      if (typeof claim !== 'string' || claim.trim() === '') {
        throw fail(`${pointer}/${key}`, 'must be the name of an ID token claim');
      }
      claims[key as 'email' | 'groups'] = claim;
    }
    return claims;
  }

  function trustUnverifiedEmail(provider: Record<string, unknown>, at: string): boolean {
    const trust = parseBoolean(provider.trust_unverified_email, `${at}/trust_unverified_email`);
    const older = parseBoolean(provider.allow_unverified_email, `${at}/allow_unverified_email`);
    if (provider.trust_unverified_email !== undefined && provider.allow_unverified_email !== undefined) {
      if (trust !== older) {
        throw fail(
          `${at}/allow_unverified_email`,
          'contradicts trust_unverified_email (its newer name); keep only trust_unverified_email',
        );
      }
    }
    return trust || older;
  }

  function parseBoolean(value: unknown, pointer: string): boolean {
    if (value === undefined) return false;
    if (typeof value !== 'boolean') throw fail(pointer, 'must be true or false');
    return value;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}
