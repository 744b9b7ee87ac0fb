/**
 * Sign-in sessions: start one when a person has signed in (the device flow's approval), refresh its
 * tokens (single-use refresh tokens, rotated), revoke it (logout), and authenticate each request's
 * access token against it, so logout and a disabled account take effect at once.
 *
 * A refresh token rotated away and presented again is treated as theft (RFC 6819 5.2.2.3, OAuth 2.1):
 * the whole sign-in session is revoked, its newest refresh token included, and the event is audited
 * (`sign_in.refresh_reuse`). An admin's "sign out everywhere", disabling an account and resetting its
 * password revoke every sign-in session of the person (`signOutEverywhere`, `revokeSignInsOfUser`), so
 * none comes back to life when the account is enabled again.
 */
import { isIP } from 'node:net';
import { LatchkeyError, type SessionEndReason } from '@latchkey/shared';
import type { JsonObject, SignInSessionRecord } from '../../domain/records.js';
import { formatSecret, hashSecret, isSecretOfKind } from '../../domain/sign-in-secrets.js';
import type { Repositories, StoreOf } from '../ports/store.js';
import type { Services } from '../services.js';
import { endSessionsOfPerson } from '../ssh-sessions/live-ssh-sessions.js';
import type { TerminationFeed } from '../ssh-sessions/termination-feed.js';
import { actorOf } from './person-caller.js';
import type { PersonCaller } from './person-caller.js';

/** What an identity provider said about a person (docs/sign-in.md "Who is a person"). */
export interface SignInIdentity {
  email: string;
  groups: string[];
  loginMethod: string;
  authMethods: string[];
  claims: JsonObject;
  /** The built-in account, for built-in sign-ins. */
  userId?: string;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  /** Seconds until the access token expires. */
  expiresIn: number;
}

/** What making a session's tokens needs: randomness, the time, the lifetimes and the access-token codec. */
type TokenMakingDeps = Pick<Services, 'clock' | 'randomBytes' | 'signIn' | 'accessTokens'>;

/**
 * What starting a session and handing out or refreshing its tokens need: making tokens, the sessions,
 * the built-in accounts (a disabled one refreshes nothing) and the audit trail (sign-ins, reuse).
 */
export type SessionTokensDeps = TokenMakingDeps & {
  store: StoreOf<'signInSessions' | 'users' | 'auditEvents'>;
};

/**
 * What ending sign-ins needs (logout, an admin's "sign out everywhere"): the sessions, the accounts, the
 * audit trail, an order to end the person's SSH sessions with the feed that wakes the agents, the time,
 * and the access-token codec (a logout may name its session by an access token).
 */
export type EndSignInsDeps = Pick<Services, 'clock' | 'accessTokens'> & {
  sessionTerminationFeed: Pick<TerminationFeed, 'notify'>;
  store: StoreOf<'signInSessions' | 'users' | 'auditEvents' | 'sessionTerminations'>;
};

/** What authenticating a person's request needs: the access-token codec, the sessions and the time. */
export type AuthenticatePersonDeps = Pick<Services, 'clock' | 'accessTokens'> & {
  store: Pick<Repositories, 'signInSessions'>;
};

function newRefreshToken(services: Pick<Services, 'clock' | 'randomBytes' | 'signIn'>) {
  const refreshToken = formatSecret('refresh_token', services.randomBytes(32));
  const refreshExpiresAt = new Date(
    services.clock().getTime() + services.signIn.refreshTokenTtlSeconds * 1000,
  );
  return { refreshToken, refreshTokenHash: hashSecret(refreshToken), refreshExpiresAt };
}

async function accessTokenFor(
  services: Pick<Services, 'clock' | 'signIn' | 'accessTokens'>,
  session: SignInSessionRecord,
): Promise<TokenPair['accessToken']> {
  const expiresAt = new Date(services.clock().getTime() + services.signIn.accessTokenTtlSeconds * 1000);
  return services.accessTokens.issue({
    subject: session.email,
    sessionId: session.id,
    accountId: session.accountId,
    expiresAt,
  });
}

/**
 * Starts a session. Its tokens are handed out later, by `firstTokens`, to whoever completes the sign-in
 * (the device's next poll, possibly on another server process): until then the session holds the hash
 * of a refresh token nobody ever sees, which `firstTokens` replaces.
 */
export async function startSession(
  services: SessionTokensDeps,
  accountId: string,
  identity: SignInIdentity,
  clientId: string,
): Promise<SignInSessionRecord> {
  const { refreshTokenHash, refreshExpiresAt } = newRefreshToken(services);
  return services.store.transaction(async (tx) => {
    const created = await tx.signInSessions.create(accountId, {
      ...(identity.userId === undefined ? {} : { userId: identity.userId }),
      email: identity.email.toLowerCase(),
      groups: identity.groups,
      loginMethod: identity.loginMethod,
      authMethods: identity.authMethods,
      claims: identity.claims,
      clientId,
      refreshTokenHash,
      refreshExpiresAt,
    });
    await tx.auditEvents.append(accountId, {
      actor: actorOf(created.email),
      action: 'sign_in',
      resourceType: 'sign_in_session',
      resourceId: created.id,
      after: { login_method: created.loginMethod, client_id: clientId, groups: created.groups },
    });
    return created;
  });
}

/** The first token pair of a session: handed out once (a compare-and-swap on the unseen refresh token). */
export async function firstTokens(
  services: TokenMakingDeps & { store: Pick<Repositories, 'signInSessions'> },
  session: SignInSessionRecord,
): Promise<TokenPair> {
  const next = newRefreshToken(services);
  const rotated = await services.store.signInSessions.rotateRefreshToken(
    session.id,
    session.refreshTokenHash,
    {
      refreshTokenHash: next.refreshTokenHash,
      refreshExpiresAt: next.refreshExpiresAt,
    },
  );
  if (!rotated) throw new LatchkeyError('unauthenticated', 'this sign-in has already been completed');
  return {
    accessToken: await accessTokenFor(services, session),
    refreshToken: next.refreshToken,
    expiresIn: services.signIn.accessTokenTtlSeconds,
  };
}

/**
 * When the person authenticated: the upstream ID token's `auth_time` (RFC 7519 seconds) when it has one
 * no later than the sign-in, else the sign-in's start (built-in accounts: the password check).
 */
function authenticatedAt(session: SignInSessionRecord): Date {
  const authTime = session.claims.auth_time;
  if (
    typeof authTime === 'number' &&
    Number.isFinite(authTime) &&
    authTime * 1000 <= session.createdAt.getTime()
  ) {
    return new Date(authTime * 1000);
  }
  return session.createdAt;
}

const SIGNED_OUT = 'this sign-in has ended (signed out, or ended by an admin): sign in again';

/** Why a session cannot be used now, or undefined when it can. */
async function sessionProblem(
  services: { store: Pick<Repositories, 'users'> },
  session: SignInSessionRecord,
): Promise<string | undefined> {
  if (session.userId !== undefined) {
    const user = await services.store.users.get(session.accountId, session.userId);
    if (user === undefined) return 'this account no longer exists';
    if (user.disabledAt !== undefined) return 'this account is disabled';
  }
  if (session.revokedAt !== undefined) return SIGNED_OUT;
  return undefined;
}

/** RFC 6749 §6. Failures are LatchkeyError('unauthenticated'); the OAuth edge answers `invalid_grant`. */
export async function refreshSession(services: SessionTokensDeps, refreshToken: string): Promise<TokenPair> {
  if (!isSecretOfKind('refresh_token', refreshToken)) {
    throw new LatchkeyError('unauthenticated', 'malformed refresh token');
  }
  const hash = hashSecret(refreshToken);
  const session = await services.store.signInSessions.findByRefreshHash(hash);
  if (session === undefined) {
    const replayed = await services.store.signInSessions.findByRetiredRefreshHash(hash);
    if (replayed !== undefined) throw await refreshTokenReused(services, replayed);
    throw new LatchkeyError('unauthenticated', 'unknown or already used refresh token: sign in again');
  }
  if (session.refreshExpiresAt.getTime() <= services.clock().getTime()) {
    throw new LatchkeyError('unauthenticated', 'the refresh token has expired: sign in again');
  }
  const problem = await sessionProblem(services, session);
  if (problem !== undefined) throw new LatchkeyError('unauthenticated', problem);
  const next = newRefreshToken(services);
  const rotated = await services.store.signInSessions.rotateRefreshToken(session.id, hash, {
    refreshTokenHash: next.refreshTokenHash,
    refreshExpiresAt: next.refreshExpiresAt,
  });
  // Lost the compare-and-swap: the same token was used twice at once, which is a replay too.
  if (!rotated) throw await refreshTokenReused(services, session);
  return {
    accessToken: await accessTokenFor(services, session),
    refreshToken: next.refreshToken,
    expiresIn: services.signIn.accessTokenTtlSeconds,
  };
}

/**
 * A refresh token that was already rotated away came back: someone holds a copy. The whole session is
 * revoked (the thief's and the client's newest tokens alike) and the event audited; the answer is the
 * error to throw.
 */
async function refreshTokenReused(
  services: { store: StoreOf<'signInSessions' | 'auditEvents'> },
  session: SignInSessionRecord,
): Promise<LatchkeyError> {
  await services.store.transaction(async (tx) => {
    const revoked = await tx.signInSessions.revoke(session.id);
    if (!revoked) return;
    await tx.auditEvents.append(session.accountId, {
      actor: actorOf(session.email),
      action: 'sign_in.refresh_reuse',
      resourceType: 'sign_in_session',
      resourceId: session.id,
      after: { client_id: session.clientId, login_method: session.loginMethod, revoked: true },
    });
  });
  return new LatchkeyError(
    'unauthenticated',
    'this refresh token was already used: a refresh token presented twice may have been stolen, so its ' +
      'whole sign-in has been ended; sign in again',
  );
}

/**
 * Inside `tx`: revokes every sign-in session of the built-in account (disable, password reset), with an
 * audit event when there was any. The ids revoked.
 */
export async function revokeSignInsOfUser(
  tx: Pick<Repositories, 'signInSessions' | 'auditEvents'>,
  accountId: string,
  actor: string,
  user: { id: string; email: string },
  reason: SessionEndReason,
): Promise<string[]> {
  const ids = await tx.signInSessions.revokeAllOfUser(accountId, user.id);
  if (ids.length > 0) {
    await tx.auditEvents.append(accountId, {
      actor,
      action: 'sign_in.revoke_all',
      resourceType: 'user',
      resourceId: user.id,
      after: { person: user.email, reason, sign_in_sessions: ids },
    });
  }
  return ids;
}

/**
 * An admin's "sign out everywhere": every sign-in session of the person with this email (built-in or
 * from any provider) is revoked, their refresh tokens with them, and their SSH sessions are ended on
 * every target (reason `signed_out`). Audit event `user.sign_out_everywhere`.
 */
export async function signOutEverywhere(
  services: EndSignInsDeps,
  accountId: string,
  email: string,
  actor: string,
): Promise<{ email: string; signInSessions: string[]; terminationId: number }> {
  const lowered = email.trim().toLowerCase();
  if (!/^[^\s@]+@[^\s@]+$/.test(lowered)) {
    throw new LatchkeyError('invalid_argument', `${JSON.stringify(email)} is not an email address`, {
      pointer: '/email',
    });
  }
  const result = await services.store.transaction(async (tx) => {
    const user = await tx.users.getByEmail(accountId, lowered);
    const ids = new Set(await tx.signInSessions.revokeAllOfEmail(accountId, lowered));
    if (user !== undefined) {
      for (const id of await tx.signInSessions.revokeAllOfUser(accountId, user.id)) ids.add(id);
    }
    await tx.auditEvents.append(accountId, {
      actor,
      action: 'user.sign_out_everywhere',
      resourceType: 'person',
      resourceId: lowered,
      after: { person: lowered, sign_in_sessions: [...ids] },
    });
    const termination = await endSessionsOfPerson(services, tx, accountId, actor, lowered, 'signed_out');
    return { email: lowered, signInSessions: [...ids], terminationId: termination.id };
  });
  services.sessionTerminationFeed.notify();
  return result;
}

/**
 * RFC 7009: ends the session of a refresh or access token, and the person's SSH sessions on every
 * target (DESIGN.md flow 9). Unknown and invalid tokens are not an error (the RFC says so: the client
 * wanted the token gone, and it is).
 */
export async function revokeSession(services: EndSignInsDeps, token: string): Promise<void> {
  let session: SignInSessionRecord | undefined;
  if (isSecretOfKind('refresh_token', token)) {
    session = await services.store.signInSessions.findByRefreshHash(hashSecret(token));
  } else {
    const claims = await services.accessTokens.verify(token).catch(() => undefined);
    if (claims !== undefined) session = await services.store.signInSessions.get(claims.sessionId);
  }
  if (session === undefined || session.revokedAt !== undefined) return;
  const ended = session;
  await services.store.transaction(async (tx) => {
    await tx.signInSessions.revoke(ended.id);
    await tx.auditEvents.append(ended.accountId, {
      actor: actorOf(ended.email),
      action: 'sign_out',
      resourceType: 'sign_in_session',
      resourceId: ended.id,
    });
    await endSessionsOfPerson(services, tx, ended.accountId, actorOf(ended.email), ended.email, 'signed_out');
  });
  services.sessionTerminationFeed.notify();
}

/** The person behind `Authorization: Bearer <access token>`, with the request's client address. */
export async function authenticatePerson(
  services: AuthenticatePersonDeps,
  authorization: string | undefined,
  clientIp: string | undefined,
): Promise<PersonCaller> {
  if (authorization === undefined || authorization.trim() === '') {
    throw new LatchkeyError(
      'unauthenticated',
      'not signed in: run "latchkey login" (send "Authorization: Bearer <access token>")',
    );
  }
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization);
  if (match === null || match[1] === undefined) {
    throw new LatchkeyError('unauthenticated', 'malformed Authorization header: expected "Bearer <token>"');
  }
  const claims = await services.accessTokens.verify(match[1]);
  const found = await services.store.signInSessions.getWithAccountState(claims.sessionId);
  if (found === undefined || found.session.accountId !== claims.accountId) {
    throw new LatchkeyError('unauthenticated', 'this sign-in no longer exists: sign in again');
  }
  const { session, account } = found;
  const problem =
    account === 'missing'
      ? 'this account no longer exists'
      : account === 'disabled'
        ? 'this account is disabled'
        : session.revokedAt !== undefined
          ? SIGNED_OUT
          : undefined;
  if (problem !== undefined) throw new LatchkeyError('unauthenticated', problem);
  return {
    accountId: session.accountId,
    sessionId: session.id,
    ...(session.userId === undefined ? {} : { userId: session.userId }),
    person: {
      email: session.email,
      groups: session.groups,
      loginMethod: session.loginMethod,
      authMethods: session.authMethods,
      claims: session.claims,
      authenticatedSecondsAgo: (services.clock().getTime() - authenticatedAt(session).getTime()) / 1000,
      ...(clientIp !== undefined && isIP(clientIp) !== 0 ? { ip: clientIp } : {}),
    },
    clientId: session.clientId,
    expiresAt: claims.expiresAt,
    actor: actorOf(session.email),
  };
}
