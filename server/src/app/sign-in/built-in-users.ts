/**
 * Built-in accounts, the embedded identity provider: add, disable, enable, reset the password, list;
 * and check a password at sign-in. Emails are stored lowercased; every change is an audit event.
 * Disabling an account or resetting its password revokes every sign-in session of the account (its
 * refresh tokens die with them: enabling it again brings none back) and ends the person's SSH sessions on
 * every target (DESIGN.md flow 9), in the same transaction.
 */
import { LatchkeyError, type AuditAction, type SessionEndReason } from '@latchkey/shared';
import type { UserRecord } from '../../domain/records.js';
import type { Repositories, StoreOf } from '../ports/store.js';
import type { Services } from '../services.js';
import { endSessionsOfPerson } from '../ssh-sessions/live-ssh-sessions.js';
import type { TerminationFeed } from '../ssh-sessions/termination-feed.js';
import { revokeSignInsOfUser } from './sign-in-sessions.js';

/**
 * What managing built-in accounts needs: the accounts, the audit trail, the password hasher, and for
 * disabling one or resetting its password, its sign-in sessions (revoked) and an order to end its SSH
 * sessions (with the time, and the feed that wakes the agents).
 */
export type BuiltInUsersDeps = Pick<Services, 'clock' | 'passwords'> & {
  sessionTerminationFeed: Pick<TerminationFeed, 'notify'>;
  store: StoreOf<'users' | 'auditEvents' | 'signInSessions' | 'sessionTerminations'>;
};

/** What checking a password at sign-in needs: the accounts and the password hasher. */
export type BuiltInLoginDeps = Pick<Services, 'passwords'> & { store: Pick<Repositories, 'users'> };

export const MIN_PASSWORD_LENGTH = 8;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,253}$/;
const GROUP = /^[^\s,]{1,128}$/;

function checkEmail(email: string): string {
  const lowered = email.trim().toLowerCase();
  if (!EMAIL.test(lowered) || !lowered.split('@')[1]?.includes('.')) {
    throw new LatchkeyError(
      'invalid_argument',
      `${JSON.stringify(email)} is not an email address such as ada@example.com`,
      {
        pointer: 'EMAIL',
      },
    );
  }
  return lowered;
}

function checkPassword(password: string): void {
  if ([...password].length < MIN_PASSWORD_LENGTH) {
    throw new LatchkeyError(
      'invalid_argument',
      `a password needs at least ${MIN_PASSWORD_LENGTH} characters`,
      {
        pointer: 'password',
      },
    );
  }
}

function checkGroups(groups: readonly string[]): string[] {
  for (const group of groups) {
    if (!GROUP.test(group)) {
      throw new LatchkeyError(
        'invalid_argument',
        `${JSON.stringify(group)} is not a group name (no spaces or commas, at most 128 characters)`,
        {
          pointer: '--group',
        },
      );
    }
  }
  return [...new Set(groups)].sort();
}

/** What audit events show of a user (never the hash). */
function auditView(user: UserRecord) {
  return { id: user.id, email: user.email, groups: user.groups, disabled: user.disabledAt !== undefined };
}

export async function addUser(
  services: BuiltInUsersDeps,
  accountId: string,
  input: { email: string; password: string; groups: readonly string[] },
  actor: string,
): Promise<UserRecord> {
  const email = checkEmail(input.email);
  checkPassword(input.password);
  const groups = checkGroups(input.groups);
  const passwordHash = await services.passwords.hash(input.password);
  return services.store.transaction(async (tx) => {
    const user = await tx.users.create(accountId, { email, passwordHash, groups });
    await tx.auditEvents.append(accountId, {
      actor,
      action: 'user.create',
      resourceType: 'user',
      resourceId: user.id,
      after: auditView(user),
    });
    return user;
  });
}

async function updateUser(
  services: BuiltInUsersDeps,
  accountId: string,
  email: string,
  action: AuditAction,
  actor: string,
  patch: { passwordHash?: string; groups?: string[]; disabled?: boolean },
  endSessions?: SessionEndReason,
): Promise<UserRecord> {
  const lowered = checkEmail(email);
  const updated = await services.store.transaction(async (tx) => {
    const before = await tx.users.getByEmail(accountId, lowered);
    if (before === undefined) throw new LatchkeyError('not_found', `no built-in user ${lowered}`);
    const after = await tx.users.update(accountId, before.id, patch);
    if (after === undefined) throw new LatchkeyError('not_found', `no built-in user ${lowered}`);
    await tx.auditEvents.append(accountId, {
      actor,
      action,
      resourceType: 'user',
      resourceId: after.id,
      before: auditView(before),
      after: auditView(after),
    });
    if (endSessions !== undefined) {
      await revokeSignInsOfUser(tx, accountId, actor, after, endSessions);
      await endSessionsOfPerson(services, tx, accountId, actor, after.email, endSessions);
    }
    return after;
  });
  if (endSessions !== undefined) services.sessionTerminationFeed.notify();
  return updated;
}

/**
 * A disabled user's access tokens stop working at once (every request checks), refreshes fail, and
 * their SSH sessions are ended.
 */
export function setUserDisabled(
  services: BuiltInUsersDeps,
  accountId: string,
  email: string,
  disabled: boolean,
  actor: string,
): Promise<UserRecord> {
  return updateUser(
    services,
    accountId,
    email,
    disabled ? 'user.disable' : 'user.enable',
    actor,
    { disabled },
    disabled ? 'user_disabled' : undefined,
  );
}

/** A new password ends the person's SSH sessions (whoever knew the old one is out). */
export async function resetUserPassword(
  services: BuiltInUsersDeps,
  accountId: string,
  email: string,
  password: string,
  actor: string,
): Promise<UserRecord> {
  checkPassword(password);
  const passwordHash = await services.passwords.hash(password);
  return updateUser(
    services,
    accountId,
    email,
    'user.reset_password',
    actor,
    { passwordHash },
    'password_reset',
  );
}

export function setUserGroups(
  services: BuiltInUsersDeps,
  accountId: string,
  email: string,
  groups: readonly string[],
  actor: string,
): Promise<UserRecord> {
  return updateUser(services, accountId, email, 'user.update', actor, { groups: checkGroups(groups) });
}

export function listUsers(
  services: { store: Pick<Repositories, 'users'> },
  accountId: string,
): Promise<UserRecord[]> {
  return services.store.users.list(accountId);
}

export type BuiltInLoginResult = { ok: true; user: UserRecord } | { ok: false; message: string };

/** The answer to a wrong email or a wrong password (the same for both). */
export const WRONG_PASSWORD = 'wrong email or password';

/**
 * Checks an email and password. A wrong email and a wrong password give the same answer after the same
 * work (no account enumeration); a disabled account is said to be disabled only after its password
 * checked out.
 */
export async function verifyBuiltInLogin(
  services: BuiltInLoginDeps,
  accountId: string,
  email: string,
  password: string,
): Promise<BuiltInLoginResult> {
  const wrong = { ok: false, message: WRONG_PASSWORD } as const;
  const user = await services.store.users.getByEmail(accountId, email.trim().toLowerCase());
  if (user === undefined) {
    await services.passwords.verifyNothing(password);
    return wrong;
  }
  if (!(await services.passwords.verify(password, user.passwordHash))) return wrong;
  if (user.disabledAt !== undefined) return { ok: false, message: 'this account is disabled' };
  return { ok: true, user };
}
