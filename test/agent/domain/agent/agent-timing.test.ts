import assert from 'node:assert/strict';
import { backoffDelayMs } from '../../../../agent/src/domain/agent/backoff.js';
import { clockOffsetMs } from '../../../../agent/src/domain/agent/clock-offset.js';
import { shouldRenewCredential } from '../../../../agent/src/domain/agent/credential-renewal.js';

describe('agent/domain: backoff, clock offset, credential renewal', () => {
  it('backs off exponentially from 1 s to 5 min, jittered within [half, all] of the step', () => {
    const settings = { initialMs: 1000, maxMs: 300_000 };
    assert.deepEqual(
      [1, 2, 3, 4, 9, 10, 50].map((failures) => backoffDelayMs(failures, 0.999999, settings)),
      [1000, 2000, 4000, 8000, 256_000, 300_000, 300_000],
    );
    assert.equal(backoffDelayMs(3, 0, settings), 2000);
  });

  it('measures the offset against the middle of the round trip and of the Date second', () => {
    const sent = Date.parse('2026-11-24T12:00:00.000Z');
    assert.equal(clockOffsetMs('Tue, 24 Nov 2026 12:00:00 GMT', sent, sent + 200), 400);
    assert.equal(clockOffsetMs('Tue, 24 Nov 2026 12:05:00 GMT', sent, sent), 300_500);
    assert.equal(clockOffsetMs('Tue, 24 Nov 2026 11:59:00 GMT', sent, sent), -59_500);
    assert.equal(clockOffsetMs(null, sent, sent), undefined);
    assert.equal(clockOffsetMs('yesterday-ish', sent, sent), undefined);
  });

  it('renews once less than a third of the credential life is left', () => {
    const credential = {
      issuedAt: new Date('2026-11-01T00:00:00Z'),
      expiresAt: new Date('2026-12-01T00:00:00Z'),
    };
    assert.equal(shouldRenewCredential(credential, new Date('2026-11-20T00:00:00Z')), false);
    assert.equal(shouldRenewCredential(credential, new Date('2026-11-21T00:00:01Z')), true);
    assert.equal(shouldRenewCredential(credential, new Date('2026-12-02T00:00:00Z')), true);
  });
});
