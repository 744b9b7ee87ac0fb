import assert from 'node:assert/strict';
import { redialDelayMs } from '../../../../agent/src/domain/tunnel/redial-delay.js';

describe('redialDelayMs: when a lost tunnel link is dialled again', () => {
  it('doubles from 0.5 s with full jitter', () => {
    assert.equal(redialDelayMs(0, 0, 0.999_999), 0.5 * 0.999_999 * 1000);
    assert.equal(redialDelayMs(1, 1000, 0.5), 500);
    assert.equal(redialDelayMs(2, 2000, 0.5), 1000);
    assert.equal(redialDelayMs(3, 2000, 0), 0);
  });

  it('never waits 4 s or more in the first minute of an outage, however many dials failed', () => {
    for (const attempt of [3, 4, 8, 16, 1000]) {
      assert.ok(redialDelayMs(attempt, 59_999, 0.999_999) < 4000, `attempt ${attempt}`);
    }
    // So a server that listens again at any moment of that minute is dialled within 4 s.
    assert.equal(redialDelayMs(16, 30_000, 0.5), 2000);
  });

  it('backs off to 30 s once the outage outlasts a restart', () => {
    assert.equal(redialDelayMs(16, 60_000, 0.5), 15_000);
    assert.ok(redialDelayMs(1000, 3_600_000, 0.999_999) < 30_000);
    // The doubling still holds below the cap.
    assert.equal(redialDelayMs(2, 120_000, 0.5), 1000);
  });

  it('takes another policy (tests shorten it)', () => {
    assert.equal(redialDelayMs(5, 0, 0.5, { baseMs: 10, fastCapMs: 100 }), 50);
    assert.equal(redialDelayMs(5, 10, 0.5, { baseMs: 10, fastForMs: 5, slowCapMs: 40 }), 20);
  });
});
