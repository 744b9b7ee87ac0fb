import assert from 'node:assert/strict';
import {
  DEFAULT_SIGN_IN_LIMITS,
  lockoutDelayMs,
  takeToken,
  type Bucket,
} from '../../../server/src/domain/sign-in-limits.js';

describe('domain: sign-in limits', () => {
  const policy = DEFAULT_SIGN_IN_LIMITS.lockout;
  const delays: [number, number][] = [
    [1, 0],
    [4, 0],
    [5, 1000],
    [6, 2000],
    [7, 4000],
    [14, 512_000],
    [15, 900_000],
    [80, 900_000],
    [10_000, 900_000],
  ];
  for (const [failures, delay] of delays) {
    it(`after ${failures} consecutive failure(s) the account waits ${delay} ms`, () =>
      assert.equal(lockoutDelayMs(failures, policy), delay));
  }

  it('a token bucket allows a burst, then one per refill, and says how long to wait', () => {
    const limit = { burst: 3, perMinute: 6 };
    let bucket: Bucket | undefined;
    for (let i = 0; i < 3; i++) {
      const decision = takeToken(bucket, limit, 0);
      assert.equal(decision.allowed, true);
      bucket = decision.bucket;
    }
    const refused = takeToken(bucket, limit, 0);
    assert.deepEqual(refused.allowed, false);
    assert.equal((refused as { retryAfterSeconds: number }).retryAfterSeconds, 10);
    assert.equal(takeToken(refused.bucket, limit, 9_000).allowed, false);
    assert.equal(takeToken(refused.bucket, limit, 10_000).allowed, true);
  });
});
