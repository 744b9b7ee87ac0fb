// An in-memory account for the sign-in use-case tests (test/server/app/sign-in/): built-in accounts,
// sign-in sessions (with retired refresh tokens), lockouts, upstream identities and logins, device
// authorizations, session terminations, transactions and the audit trail, with the compare-and-swaps
// the store promises. Passwords "hash" to a readable string and access tokens are the session id in
// clear: enough for the use cases' decisions, which are what these tests check. A clock the test moves.
import { LatchkeyError } from '@latchkey/shared';
import type { AccessTokenClaims } from '../../../../server/src/app/ports/access-token-codec.js';
import type { Repositories } from '../../../../server/src/app/ports/store.js';
import type { UpstreamIdentityProvider } from '../../../../server/src/app/ports/upstream-identity-provider.js';
import { RateLimiter } from '../../../../server/src/app/sign-in/sign-in-throttle.js';
import type {
  DeviceAuthorizationRecord,
  SessionTerminationRecord,
  SignInSessionRecord,
  UpstreamIdentityRecord,
  UpstreamLoginRecord,
  UserRecord,
} from '../../../../server/src/domain/records.js';
import { DEFAULT_SIGN_IN_LIMITS } from '../../../../server/src/domain/sign-in-limits.js';
import { DEFAULT_SIGN_IN_SETTINGS } from '../../../../server/src/domain/sign-in-settings.js';
import { FakeAuditTrail, FakeTransactions, fake, fakeStore } from '../fakes.js';

export const ACCOUNT = 'account-1';
export const START = new Date('2026-03-04T05:06:07Z');
export const PUBLIC_URL = 'https://latchkey.example.com';

export function signInWorld(options: { identityProviders?: UpstreamIdentityProvider[] } = {}) {
  let now = START;
  const clock = () => now;
  let ids = 0;
  const newId = (kind: string) => `${kind}-${++ids}`;
  let bytes = 0;
  const users = new Map<string, UserRecord>();
  const sessions = new Map<string, SignInSessionRecord>();
  const retiredHashes = new Map<string, string>();
  const lockouts = new Map<string, { failures: number; lockedUntil?: Date }>();
  const identities: UpstreamIdentityRecord[] = [];
  const authorizations = new Map<string, DeviceAuthorizationRecord>();
  const upstreamLogins = new Map<string, UpstreamLoginRecord>();
  const terminations: SessionTerminationRecord[] = [];
  const passwordChecks: string[] = [];
  let notified = 0;
  const transactions = new FakeTransactions();
  const audit = new FakeAuditTrail(clock, transactions);

  const store = fakeStore(
    {
      users: fake<Repositories['users']>('users', {
        create: async (accountId, input) => {
          if ([...users.values()].some((u) => u.accountId === accountId && u.email === input.email))
            throw new LatchkeyError('conflict', `a user ${input.email} already exists`);
          const user: UserRecord = { id: newId('user'), accountId, ...input, createdAt: now, updatedAt: now };
          users.set(user.id, user);
          return user;
        },
        get: async (accountId, id) => {
          const user = users.get(id);
          return user?.accountId === accountId ? user : undefined;
        },
        getByEmail: async (accountId, email) =>
          [...users.values()].find((u) => u.accountId === accountId && u.email === email),
        list: async (accountId) => [...users.values()].filter((u) => u.accountId === accountId),
        update: async (accountId, id, patch) => {
          const user = users.get(id);
          if (user?.accountId !== accountId) return undefined;
          const { disabled, ...rest } = patch;
          const updated: UserRecord = { ...user, ...rest, updatedAt: now };
          if (disabled === true) updated.disabledAt = user.disabledAt ?? now;
          if (disabled === false) delete updated.disabledAt;
          users.set(id, updated);
          return updated;
        },
      }),
      signInSessions: fake<Repositories['signInSessions']>('signInSessions', {
        create: async (accountId, input) => {
          const session: SignInSessionRecord = { id: newId('session'), accountId, ...input, createdAt: now };
          sessions.set(session.id, session);
          return session;
        },
        get: async (id) => sessions.get(id),
        getWithAccountState: async (id) => {
          const session = sessions.get(id);
          if (session === undefined) return undefined;
          if (session.userId === undefined) return { session, account: 'none' };
          const user = users.get(session.userId);
          const account =
            user === undefined ? 'missing' : user.disabledAt === undefined ? 'enabled' : 'disabled';
          return { session, account };
        },
        findByRefreshHash: async (hash) => [...sessions.values()].find((s) => s.refreshTokenHash === hash),
        findByRetiredRefreshHash: async (hash) => {
          const id = retiredHashes.get(hash);
          return id === undefined ? undefined : sessions.get(id);
        },
        rotateRefreshToken: async (id, currentHash, next) => {
          const session = sessions.get(id);
          if (
            session === undefined ||
            session.refreshTokenHash !== currentHash ||
            session.revokedAt !== undefined
          )
            return false;
          retiredHashes.set(currentHash, id);
          sessions.set(id, { ...session, ...next, refreshedAt: now });
          return true;
        },
        revoke: async (id) => {
          const session = sessions.get(id);
          if (session === undefined || session.revokedAt !== undefined) return false;
          sessions.set(id, { ...session, revokedAt: now });
          return true;
        },
        revokeAllOfUser: async (accountId, userId) => {
          const revoked: string[] = [];
          for (const session of sessions.values()) {
            if (
              session.accountId === accountId &&
              session.userId === userId &&
              session.revokedAt === undefined
            ) {
              sessions.set(session.id, { ...session, revokedAt: now });
              revoked.push(session.id);
            }
          }
          return revoked;
        },
        revokeAllOfEmail: async (accountId, email) => {
          const revoked: string[] = [];
          for (const session of sessions.values()) {
            if (
              session.accountId === accountId &&
              session.email === email &&
              session.revokedAt === undefined
            ) {
              sessions.set(session.id, { ...session, revokedAt: now });
              revoked.push(session.id);
            }
          }
          return revoked;
        },
      }),
      signInLockouts: fake<Repositories['signInLockouts']>('signInLockouts', {
        admit: async (accountId, subject, at, lockFor) => {
          const key = `${accountId}:${subject}`;
          const current = lockouts.get(key) ?? { failures: 0 };
          if (current.lockedUntil !== undefined && current.lockedUntil.getTime() > at.getTime())
            return { admitted: false, lockedUntil: current.lockedUntil };
          const failures = current.failures + 1;
          const ms = lockFor(failures);
          const lockedUntil = ms > 0 ? new Date(at.getTime() + ms) : undefined;
          lockouts.set(key, { failures, ...(lockedUntil === undefined ? {} : { lockedUntil }) });
          return { admitted: true, failures, ...(lockedUntil === undefined ? {} : { lockedUntil }) };
        },
        reset: async (accountId, subject) => {
          lockouts.delete(`${accountId}:${subject}`);
        },
      }),
      upstreamIdentities: fake<Repositories['upstreamIdentities']>('upstreamIdentities', {
        get: async (accountId, issuer, subject) =>
          identities.find((i) => i.accountId === accountId && i.issuer === issuer && i.subject === subject),
        listByEmail: async (accountId, email) =>
          identities.filter((i) => i.accountId === accountId && i.email === email),
        save: async ({ seenAt, linked, ...input }) => {
          const index = identities.findIndex(
            (i) =>
              i.accountId === input.accountId && i.issuer === input.issuer && i.subject === input.subject,
          );
          const before = identities[index];
          const record: UpstreamIdentityRecord = {
            ...input,
            linked: linked ?? before?.linked ?? false,
            createdAt: before?.createdAt ?? now,
            ...(seenAt === undefined ? {} : { lastSeenAt: seenAt }),
          };
          if (index >= 0) identities[index] = record;
          else identities.push(record);
          return record;
        },
      }),
      deviceAuthorizations: fake<Repositories['deviceAuthorizations']>('deviceAuthorizations', {
        create: async (accountId, input) => {
          const record: DeviceAuthorizationRecord = {
            id: newId('device'),
            accountId,
            ...input,
            status: 'pending',
            createdAt: now,
          };
          authorizations.set(record.id, record);
          return record;
        },
        get: async (id) => authorizations.get(id),
        findByDeviceCodeHash: async (hash) =>
          [...authorizations.values()].find((a) => a.deviceCodeHash === hash),
        findByUserCode: async (userCode) => [...authorizations.values()].find((a) => a.userCode === userCode),
        recordPoll: async (id, at) => {
          const record = authorizations.get(id)!;
          authorizations.set(id, { ...record, lastPolledAt: at });
          return record.lastPolledAt;
        },
        decide: async (id, decision) => {
          const record = authorizations.get(id);
          if (record?.status !== 'pending') return false;
          authorizations.set(id, { ...record, ...decision });
          return true;
        },
        consume: async (id) => {
          const record = authorizations.get(id);
          if (record?.status !== 'approved') return false;
          authorizations.set(id, { ...record, status: 'consumed' });
          return true;
        },
      }),
      upstreamLogins: fake<Repositories['upstreamLogins']>('upstreamLogins', {
        create: async (input) => {
          const record: UpstreamLoginRecord = { ...input, createdAt: now };
          upstreamLogins.set(record.state, record);
          return record;
        },
        get: async (state) => upstreamLogins.get(state),
        complete: async (state, identity, confirmationHash) => {
          const record = upstreamLogins.get(state);
          if (record === undefined || record.identity !== undefined) return false;
          upstreamLogins.set(state, { ...record, identity, confirmationHash });
          return true;
        },
        findByConfirmationHash: async (hash) =>
          [...upstreamLogins.values()].find((login) => login.confirmationHash === hash),
        delete: async (state) => {
          upstreamLogins.delete(state);
        },
      }),
      sessionTerminations: fake<Repositories['sessionTerminations']>('sessionTerminations', {
        create: async (accountId, input) => {
          const record: SessionTerminationRecord = {
            id: terminations.length + 1,
            accountId,
            ...input,
            createdAt: now,
          };
          terminations.push(record);
          return record;
        },
      }),
      auditEvents: audit,
    },
    transactions,
  );

  const deps = {
    store,
    clock,
    randomBytes: (length: number) => new Uint8Array(length).fill(++bytes % 256),
    signIn: { ...DEFAULT_SIGN_IN_SETTINGS, publicUrl: PUBLIC_URL },
    signInLimits: DEFAULT_SIGN_IN_LIMITS,
    rateLimiter: new RateLimiter(clock),
    passwords: {
      hash: async (password: string) => `hashed:${password}`,
      verify: async (password: string, hash: string) => {
        passwordChecks.push('verify');
        return hash === `hashed:${password}`;
      },
      verifyNothing: async () => {
        passwordChecks.push('verifyNothing');
      },
    },
    accessTokens: {
      issue: async (claims: AccessTokenClaims) =>
        `access:${claims.sessionId}:${claims.accountId}:${claims.subject}:${claims.expiresAt.getTime()}`,
      verify: async (token: string): Promise<AccessTokenClaims> => {
        const [kind, sessionId, accountId, subject, expires] = token.split(':');
        if (kind !== 'access' || sessionId === undefined || accountId === undefined || subject === undefined)
          throw new LatchkeyError('unauthenticated', 'malformed access token');
        const expiresAt = new Date(Number(expires));
        if (expiresAt.getTime() <= now.getTime())
          throw new LatchkeyError('unauthenticated', 'the access token has expired');
        return { sessionId, accountId, subject, expiresAt };
      },
    },
    identityProviders: new Map((options.identityProviders ?? []).map((provider) => [provider.id, provider])),
    sessionTerminationFeed: {
      notify: () => {
        notified += 1;
      },
    },
  };

  /** A built-in account whose password is `password`. */
  function addUser(email: string, password: string, overrides: Partial<UserRecord> = {}): UserRecord {
    const user: UserRecord = {
      id: newId('user'),
      accountId: ACCOUNT,
      email,
      passwordHash: `hashed:${password}`,
      groups: [],
      createdAt: now,
      updatedAt: now,
      ...overrides,
    };
    users.set(user.id, user);
    return user;
  }

  return {
    deps,
    audit,
    users,
    sessions,
    lockouts,
    identities,
    authorizations,
    upstreamLogins,
    terminations,
    passwordChecks,
    notified: () => notified,
    addUser,
    advance: (ms: number) => {
      now = new Date(now.getTime() + ms);
    },
  };
}
