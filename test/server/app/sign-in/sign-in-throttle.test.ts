// The limits on password sign-ins over in-memory fakes of the ports they declare (SignInThrottleDeps):
// an address or an account past its rate limit is throttled before its lockout is consulted; a locked
// account is throttled until the lock ends; a wrong password is audited (and the lock it causes) in one
// transaction, and a right one clears the count. Over HTTP and SQLite:
// test/integration/server/sign-in/sign-in-abuse.test.ts.
import assert from 'node:assert/strict';
import {
  admitPasswordAttempt,
  passwordChecked,
  type SignInThrottleDeps,
} from '../../../../server/src/app/sign-in/sign-in-throttle.js';
import { ACCOUNT, signInWorld } from './sign-in-world.js';

const ATTEMPT = { accountId: ACCOUNT, email: ' Ada@Example.com ', address: '192.0.2.1' };

async function wrongPassword(deps: SignInThrottleDeps, attempt = ATTEMPT) {
  const admitted = await admitPasswordAttempt(deps, attempt);
  if ('throttled' in admitted) return admitted;
  await passwordChecked(deps, attempt, admitted.admission, false);
  return admitted;
}

describe('app: limits on password sign-ins (over fakes)', () => {
  it('throttles an address past its burst before consulting the lockout', async () => {
    const world = signInWorld();
    const deps: SignInThrottleDeps = world.deps;
    const burst = deps.signInLimits.passwordPerAddress.burst;
    for (let i = 0; i < burst; i += 1) {
      const admitted = await admitPasswordAttempt(deps, { ...ATTEMPT, email: `user${i}@example.com` });
      assert.ok('admission' in admitted);
    }
    const refused = await admitPasswordAttempt(deps, ATTEMPT);
    assert.ok('throttled' in refused);
    assert.match(
      refused.throttled.message,
      /^too many sign-in attempts from your address; try again in \d+ s$/,
    );
    assert.equal(world.lockouts.has(`${ACCOUNT}:ada@example.com`), false);
  });

  it('locks an account after its free failures, audits the failures and the lock, and throttles until it ends', async () => {
    const world = signInWorld();
    const { freeFailures, firstDelayMs } = world.deps.signInLimits.lockout;
    for (let i = 1; i < freeFailures; i += 1) await wrongPassword(world.deps);
    assert.deepEqual(world.audit.actions(), Array(freeFailures - 1).fill('sign_in.failed'));
    await wrongPassword(world.deps);
    assert.deepEqual(world.audit.actions().slice(-2), ['sign_in.failed', 'sign_in.locked']);
    const locked = world.audit.events.at(-1)!;
    assert.equal(locked.resourceId, 'ada@example.com');
    assert.deepEqual((locked.after as { consecutive_failures: number }).consecutive_failures, freeFailures);
    assert.ok(world.audit.events.every((event) => event.inTransaction));

    const refused = await admitPasswordAttempt(world.deps, ATTEMPT);
    assert.ok('throttled' in refused);
    assert.equal(refused.throttled.retryAfterSeconds, firstDelayMs / 1000);
    assert.match(refused.throttled.message, /it is locked for now/);
    world.advance(firstDelayMs);
    assert.ok('admission' in (await admitPasswordAttempt(world.deps, ATTEMPT)));
  });

  it('clears the count after a right password', async () => {
    const world = signInWorld();
    await wrongPassword(world.deps);
    const admitted = await admitPasswordAttempt(world.deps, ATTEMPT);
    assert.ok('admission' in admitted);
    assert.equal(admitted.admission.failures, 2);
    await passwordChecked(world.deps, ATTEMPT, admitted.admission, true);
    assert.equal(world.lockouts.size, 0);
    assert.deepEqual(world.audit.actions(), ['sign_in.failed']);
  });
});
