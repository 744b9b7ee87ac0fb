// Built-in accounts over in-memory fakes of the ports they declare (BuiltInUsersDeps,
// BuiltInLoginDeps): a bad email or a short password is refused before anything is stored; disabling
// an account revokes its sign-ins and orders its SSH sessions ended, in one transaction, then wakes the
// agents; a wrong email and a wrong password get the same answer after the same work, and a disabled
// account is said to be so only after its password checked out. Over HTTP and SQLite:
// test/integration/server/sign-in/.
import assert from 'node:assert/strict';
import { LatchkeyError } from '@latchkey/shared';
import {
  WRONG_PASSWORD,
  addUser,
  resetUserPassword,
  setUserDisabled,
  verifyBuiltInLogin,
  type BuiltInLoginDeps,
  type BuiltInUsersDeps,
} from '../../../../server/src/app/sign-in/built-in-users.js';
import { ACCOUNT, START, signInWorld } from './sign-in-world.js';

const ACTOR = 'server:cli';

describe('app: built-in accounts (over fakes)', () => {
  it('adds an account with its password hashed and groups sorted, audited without the hash', async () => {
    const world = signInWorld();
    const deps: BuiltInUsersDeps = world.deps;
    const user = await addUser(
      deps,
      ACCOUNT,
      { email: ' Ada@Example.com ', password: 'correct horse', groups: ['ops', 'dev', 'ops'] },
      ACTOR,
    );
    assert.equal(user.email, 'ada@example.com');
    assert.equal(user.passwordHash, 'hashed:correct horse');
    assert.deepEqual(user.groups, ['dev', 'ops']);
    assert.deepEqual(world.audit.actions(), ['user.create']);
    assert.ok(!JSON.stringify(world.audit.events).includes('hashed:'));
    assert.equal(world.audit.events[0]!.inTransaction, true);
  });

  it('refuses a bad email, a short password and a bad group name, storing nothing', async () => {
    const world = signInWorld();
    const invalid = (pointer: string) => (error: unknown) =>
      error instanceof LatchkeyError &&
      error.code === 'invalid_argument' &&
      error.details?.pointer === pointer;
    await assert.rejects(
      addUser(world.deps, ACCOUNT, { email: 'ada', password: 'correct horse', groups: [] }, ACTOR),
      invalid('EMAIL'),
    );
    await assert.rejects(
      addUser(world.deps, ACCOUNT, { email: 'ada@example.com', password: 'short', groups: [] }, ACTOR),
      invalid('password'),
    );
    await assert.rejects(
      addUser(
        world.deps,
        ACCOUNT,
        { email: 'ada@example.com', password: 'correct horse', groups: ['a b'] },
        ACTOR,
      ),
      invalid('--group'),
    );
    assert.equal(world.users.size, 0);
    assert.deepEqual(world.audit.events, []);
  });

  it('disabling an account revokes its sign-ins and ends its SSH sessions in the transaction, then wakes the agents', async () => {
    const world = signInWorld();
    const user = world.addUser('ada@example.com', 'correct horse');
    world.sessions.set('session-a', {
      id: 'session-a',
      accountId: ACCOUNT,
      userId: user.id,
      email: user.email,
      groups: [],
      loginMethod: 'builtin',
      authMethods: ['pwd'],
      claims: {},
      clientId: 'latchkey-cli',
      refreshTokenHash: 'hash-a',
      refreshExpiresAt: new Date(START.getTime() + 3_600_000),
      createdAt: START,
    });
    const disabled = await setUserDisabled(world.deps, ACCOUNT, 'ADA@example.com', true, ACTOR);
    assert.deepEqual(disabled.disabledAt, START);
    assert.deepEqual(world.sessions.get('session-a')!.revokedAt, START);
    assert.equal(world.terminations.length, 1);
    assert.deepEqual(
      [world.terminations[0]!.person, world.terminations[0]!.reason],
      ['ada@example.com', 'user_disabled'],
    );
    assert.deepEqual(world.audit.actions(), ['user.disable', 'sign_in.revoke_all', 'ssh_session.end_all']);
    assert.ok(world.audit.events.every((event) => event.inTransaction));
    assert.equal(world.notified(), 1);
    // Enabling it again ends nothing and brings no sign-in back.
    await setUserDisabled(world.deps, ACCOUNT, 'ada@example.com', false, ACTOR);
    assert.equal(world.notified(), 1);
    assert.deepEqual(world.sessions.get('session-a')!.revokedAt, START);
  });

  it('a password reset ends the SSH sessions too; an unknown account is not found', async () => {
    const world = signInWorld();
    world.addUser('ada@example.com', 'correct horse');
    await resetUserPassword(world.deps, ACCOUNT, 'ada@example.com', 'battery staple', ACTOR);
    assert.equal(world.terminations[0]!.reason, 'password_reset');
    assert.deepEqual(
      (await verifyBuiltInLogin(world.deps, ACCOUNT, 'ada@example.com', 'battery staple')).ok,
      true,
    );
    await assert.rejects(
      resetUserPassword(world.deps, ACCOUNT, 'bob@example.com', 'battery staple', ACTOR),
      (error: unknown) => error instanceof LatchkeyError && error.code === 'not_found',
    );
  });

  it('answers a wrong email and a wrong password alike, after a password check each', async () => {
    const world = signInWorld();
    const deps: BuiltInLoginDeps = world.deps;
    world.addUser('ada@example.com', 'correct horse');
    world.addUser('bob@example.com', 'correct horse', { disabledAt: START });
    assert.deepEqual(await verifyBuiltInLogin(deps, ACCOUNT, 'eve@example.com', 'x'), {
      ok: false,
      message: WRONG_PASSWORD,
    });
    assert.deepEqual(await verifyBuiltInLogin(deps, ACCOUNT, 'ada@example.com', 'x'), {
      ok: false,
      message: WRONG_PASSWORD,
    });
    assert.deepEqual(world.passwordChecks, ['verifyNothing', 'verify']);
    assert.deepEqual(await verifyBuiltInLogin(deps, ACCOUNT, 'bob@example.com', 'x'), {
      ok: false,
      message: WRONG_PASSWORD,
    });
    assert.deepEqual(await verifyBuiltInLogin(deps, ACCOUNT, 'bob@example.com', 'correct horse'), {
      ok: false,
      message: 'this account is disabled',
    });
    const ok = await verifyBuiltInLogin(deps, ACCOUNT, ' ADA@example.com', 'correct horse');
    assert.equal(ok.ok && ok.user.email, 'ada@example.com');
  });
});
