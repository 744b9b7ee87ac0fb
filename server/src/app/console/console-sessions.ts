/**
 * Signing in to the web console, and knowing who each console request is from.
 *
 * The password is checked by the same use case as the device pages' (verifyBuiltInLogin, within the
 * same rate limits and lockout: admitPasswordAttempt / passwordChecked). A console sign-in is an ordinary
 * sign-in session (audit event `sign_in`, client `latchkey-console`), so disabling the account, resetting
 * its password or "sign out everywhere" end it at once like any other. Its refresh token is never handed
 * out: the browser holds a separate console secret (in an HttpOnly cookie), of which the session keeps
 * only the SHA-256 (in its claims, which nothing reads for a console session). The session's id and the
 * secret make the cookie. A console sign-in lasts CONSOLE_SESSION_TTL_MS from the password, however busy.
 *
 * The console's CSRF token is an HMAC of the literal "csrf" under the secret: only a page that came from
 * the server with the cookie knows it, and the server checks it on every POST (a synchronizer token that
 * needs no storage).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { LatchkeyError } from '@latchkey/shared';
import { BUILTIN_LOGIN_METHOD } from '../../domain/access/person.js';
import { consolePermissions } from '../../domain/console/console-roles.js';
import type { Permission } from '../../domain/permissions.js';
import type { Caller } from '../caller.js';
import type { Services } from '../services.js';
import { WRONG_PASSWORD, verifyBuiltInLogin } from '../sign-in/built-in-users.js';
import { upstreamProvider } from '../sign-in/device-authorization.js';
import { claimUpstreamIdentity, linkedUserId } from '../sign-in/upstream-identities.js';
import {
  pendingUpstreamLoginFromJson,
  pendingUpstreamLoginToJson,
} from '../ports/upstream-identity-provider.js';
import type { JsonObject } from '../../domain/records.js';
import { actorOf } from '../sign-in/person-caller.js';
import { startSession } from '../sign-in/sign-in-sessions.js';
import { admitPasswordAttempt, passwordChecked, type Throttled } from '../sign-in/sign-in-throttle.js';

export const CONSOLE_CLIENT_ID = 'latchkey-console';
/** How long a console sign-in lasts (from the password), whatever the activity. */
export const CONSOLE_SESSION_TTL_MS = 12 * 60 * 60 * 1000;
const SECRET_CLAIM = 'latchkey_console_secret_sha256';

/** A person signed in to the console: an API caller with the permissions of their groups. */
export interface ConsoleCaller extends Caller {
  email: string;
  sessionId: string;
  permissions: Permission[];
  /** The CSRF token every POST of this sign-in must carry. */
  csrfToken: string;
  expiresAt: Date;
}

export type ConsoleSignIn =
  { ok: true; cookieValue: string; email: string } | { ok: false; message: string; throttled?: Throttled };

export async function signInToConsole(
  services: Services,
  input: { email: string; password: string; address?: string },
): Promise<ConsoleSignIn> {
  const { account } = await services.store.accounts.ensureDefaultAccount();
  const attempt = {
    accountId: account.id,
    email: input.email,
    ...(input.address === undefined ? {} : { address: input.address }),
  };
  const admitted = await admitPasswordAttempt(services, attempt);
  if ('throttled' in admitted) {
    return { ok: false, message: admitted.throttled.message, throttled: admitted.throttled };
  }
  const login = await verifyBuiltInLogin(services, account.id, input.email, input.password);
  await passwordChecked(services, attempt, admitted.admission, login.ok || login.message !== WRONG_PASSWORD);
  if (!login.ok) return login;
  return startConsoleSession(services, account.id, {
    email: login.user.email,
    groups: login.user.groups,
    loginMethod: BUILTIN_LOGIN_METHOD,
    authMethods: ['pwd'],
    userId: login.user.id,
  });
}

async function startConsoleSession(
  services: Services,
  accountId: string,
  person: { email: string; groups: string[]; loginMethod: string; authMethods: string[]; userId?: string },
): Promise<{ ok: true; cookieValue: string; email: string }> {
  const secret = Buffer.from(services.randomBytes(32)).toString('base64url');
  const session = await startSession(
    services,
    accountId,
    { ...person, claims: { [SECRET_CLAIM]: sha256(secret) } },
    CONSOLE_CLIENT_ID,
  );
  return { ok: true, cookieValue: `${session.id}.${secret}`, email: person.email };
}

/** Where the upstream provider sends the browser back to (register it at the provider). */
export const CONSOLE_OIDC_CALLBACK_PATH = '/console/oidc/callback';
const PENDING_CONTEXT = 'latchkey-console-upstream-login';

/**
 * The person chose "Sign in with <provider>": where to send their browser, and the pending login sealed
 * for a cookie. The pending login (state, nonce, PKCE verifier) is sealed by the server's key protector
 * (AES-256-GCM, its own context), so the browser keeps it without reading or changing it, and any server
 * of the cluster can finish the login; it expires like a device flow's upstream login.
 */
export async function beginConsoleUpstreamSignIn(
  services: Services,
  providerId: string,
): Promise<{ authorizationUrl: string; sealedPending: string }> {
  const provider = upstreamProvider(services, providerId);
  const { authorizationUrl, pending } = await provider.beginLogin(
    `${services.signIn.publicUrl.replace(/\/+$/, '')}${CONSOLE_OIDC_CALLBACK_PATH}`,
  );
  const expiresAt = services.clock().getTime() + services.signIn.upstreamLoginTtlSeconds * 1000;
  const sealed = await services.caKeys.seal(
    Buffer.from(JSON.stringify({ pending: pendingUpstreamLoginToJson(pending), expiresAt })),
    PENDING_CONTEXT,
  );
  return { authorizationUrl, sealedPending: Buffer.from(sealed).toString('base64url') };
}

/**
 * The provider sent the browser back: finish its login (state, PKCE, nonce, the ID token), claim the
 * person's email as the CLI's sign-in does (claimUpstreamIdentity), and start an ordinary console
 * sign-in with the provider's groups. A refusal is a LatchkeyError saying why.
 */
export async function completeConsoleUpstreamSignIn(
  services: Services,
  callbackUrl: URL,
  sealedPending: string | undefined,
): Promise<{ ok: true; cookieValue: string; email: string }> {
  const expired = () =>
    new LatchkeyError(
      'unauthenticated',
      'this sign-in has expired or was started in another browser: sign in again',
    );
  if (sealedPending === undefined || !/^[A-Za-z0-9_-]{1,4096}$/.test(sealedPending)) throw expired();
  let opened: { pending: JsonObject; expiresAt: number };
  try {
    opened = JSON.parse(
      Buffer.from(
        await services.caKeys.open(Buffer.from(sealedPending, 'base64url'), PENDING_CONTEXT),
      ).toString('utf8'),
    ) as { pending: JsonObject; expiresAt: number };
  } catch {
    throw expired();
  }
  if (typeof opened.expiresAt !== 'number' || opened.expiresAt <= services.clock().getTime()) throw expired();
  const pending = pendingUpstreamLoginFromJson(opened.pending);
  const provider = upstreamProvider(services, pending.providerId);
  const identity = await provider.completeLogin(callbackUrl, pending);
  const { account } = await services.store.accounts.ensureDefaultAccount();
  await claimUpstreamIdentity(services, account.id, identity);
  const userId = await linkedUserId(services, account.id, identity);
  return startConsoleSession(services, account.id, {
    email: identity.email,
    groups: identity.groups,
    loginMethod: identity.providerId,
    authMethods: identity.authMethods,
    ...(userId === undefined ? {} : { userId }),
  });
}

/** The upstream providers people may sign in with: id and name, for the sign-in page's buttons. */
export function consoleIdentityProviders(
  services: Pick<Services, 'identityProviders'>,
): { id: string; name: string }[] {
  return [...services.identityProviders.values()].map((provider) => ({
    id: provider.id,
    name: provider.name,
  }));
}

/** The person behind a console cookie, or undefined when it names no live console sign-in. */
export async function consoleCallerOf(
  services: Pick<Services, 'store' | 'clock'>,
  cookieValue: string | undefined,
): Promise<ConsoleCaller | undefined> {
  const parsed = parseCookieValue(cookieValue);
  if (parsed === undefined) return undefined;
  const found = await services.store.signInSessions.getWithAccountState(parsed.sessionId);
  if (found === undefined) return undefined;
  const { session, account } = found;
  if (account === 'missing' || account === 'disabled' || session.revokedAt !== undefined) return undefined;
  if (session.clientId !== CONSOLE_CLIENT_ID) return undefined;
  const expected = session.claims[SECRET_CLAIM];
  if (typeof expected !== 'string' || !sameText(expected, sha256(parsed.secret))) return undefined;
  const expiresAt = new Date(session.createdAt.getTime() + CONSOLE_SESSION_TTL_MS);
  if (services.clock().getTime() >= expiresAt.getTime()) return undefined;
  return {
    accountId: session.accountId,
    tokenId: `console:${session.id}`,
    permissions: consolePermissions(session.groups),
    actor: actorOf(session.email),
    email: session.email,
    sessionId: session.id,
    csrfToken: csrfTokenOf(parsed.secret),
    expiresAt,
  };
}

/** Whether `presented` is this sign-in's CSRF token (constant time). */
export function csrfTokenMatches(caller: Pick<ConsoleCaller, 'csrfToken'>, presented: string): boolean {
  return sameText(caller.csrfToken, presented);
}

/** Ends the console sign-in (audit event `sign_out`). Only this sign-in: the person's SSH sessions go on. */
export async function signOutOfConsole(
  services: Pick<Services, 'store'>,
  caller: Pick<ConsoleCaller, 'accountId' | 'sessionId' | 'actor'>,
): Promise<void> {
  await services.store.transaction(async (tx) => {
    if (!(await tx.signInSessions.revoke(caller.sessionId))) return;
    await tx.auditEvents.append(caller.accountId, {
      actor: caller.actor,
      action: 'sign_out',
      resourceType: 'sign_in_session',
      resourceId: caller.sessionId,
      after: { client_id: CONSOLE_CLIENT_ID },
    });
  });
}

function parseCookieValue(value: string | undefined): { sessionId: string; secret: string } | undefined {
  if (value === undefined) return undefined;
  const match = /^([A-Za-z0-9_-]{1,100})\.([A-Za-z0-9_-]{43})$/.exec(value);
  if (match === null) return undefined;
  return { sessionId: match[1]!, secret: match[2]! };
}

function csrfTokenOf(secret: string): string {
  return createHmac('sha256', secret).update('csrf').digest('base64url');
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
