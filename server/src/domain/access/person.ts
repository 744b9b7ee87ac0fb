/**
 * A person as access rules see them: what their sign-in said (see docs/sign-in.md "Who is a person"),
 * plus the client address of the current request.
 */
import { unixUsernameProblem } from '@latchkey/shared';
import type { JsonValue } from '../records.js';

/** The `login_method` of people signed in with a built-in account. */
export const BUILTIN_LOGIN_METHOD = 'builtin';

export interface Person {
  /** Lowercased by whoever builds the person (the sign-in code), so rules can compare it directly. */
  email: string;
  /** Group names (built-in `--group`s or the upstream groups claim), matched against Access groups' names. */
  groups: readonly string[];
  /** The identity provider id, or BUILTIN_LOGIN_METHOD. */
  loginMethod: string;
  /** RFC 8176 `amr` values, e.g. `["pwd"]`, `["pwd", "mfa"]`. */
  authMethods: readonly string[];
  /** Every claim of the upstream ID token (`{}` for built-in accounts), for the `oidc` selector. */
  claims: Readonly<Record<string, JsonValue>>;
  /**
   * Seconds between the person's authentication at the identity provider (the ID token's `auth_time`,
   * else the sign-in's start) and this request, for `mfa_config.session_duration`; undefined: unknown
   * (an app with a session_duration then refuses).
   */
  authenticatedSecondsAgo?: number;
  /** The request's client address (IPv4, IPv6, or IPv4-mapped IPv6), when known. */
  ip?: string;
}

/**
 * The UNIX username `allow_email_alias` grants: the lowercased local part of the email
 * (`Jdoe@company.com` → `jdoe`), or undefined when that is not a valid UNIX username (`1st@x`, `a+b@x`),
 * since it would become a certificate principal.
 */
export function emailAlias(email: string): string | undefined {
  const at = email.lastIndexOf('@');
  if (at <= 0) return undefined;
  const local = email.slice(0, at).toLowerCase();
  return unixUsernameProblem(local) === undefined ? local : undefined;
}
