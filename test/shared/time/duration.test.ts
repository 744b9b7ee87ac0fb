import assert from 'node:assert/strict';
import { parseDurationSeconds, SECONDS_PER_UNIT } from '../../../shared/src/time/duration.js';
import { parseJoinTokenLifetime } from '../../../cli/src/domain/admin/admin-arguments.js';
import { parseTokenExpiry } from '../../../server/src/domain/token-expiry.js';

describe('shared/time/duration: the one duration parser', () => {
  it('reads a whole number and a unit as seconds', () => {
    assert.equal(parseDurationSeconds('90m'), 5400);
    assert.equal(parseDurationSeconds('12h'), 43_200);
    assert.equal(parseDurationSeconds(' 30d '), 30 * 86_400);
    assert.equal(parseDurationSeconds('2w'), 14 * 86_400);
    assert.equal(parseDurationSeconds('0m'), 0, 'zero is a duration; the caller refuses it');
    assert.equal(parseDurationSeconds('999999m'), 999_999 * 60);
  });

  it('takes only the units asked for (default: minutes to weeks)', () => {
    assert.equal(parseDurationSeconds('90s'), undefined);
    assert.equal(parseDurationSeconds('90s', ['s', 'm']), 90);
    assert.equal(parseDurationSeconds('2w', ['m', 'h']), undefined);
    assert.deepEqual(Object.keys(SECONDS_PER_UNIT), ['s', 'm', 'h', 'd', 'w']);
  });

  it('is undefined for anything else', () => {
    for (const text of ['', '24', 'h', '1.5h', '-1d', '1 d', '1D', '1y', '1000000m', '2w3d', 'tomorrow']) {
      assert.equal(parseDurationSeconds(text), undefined, JSON.stringify(text));
    }
  });

  it('makes the CLI and latchkey-server read a join token lifetime alike', () => {
    const now = new Date('2026-12-07T10:00:00Z');
    for (const text of ['30m', '24h', '7d', '2w']) {
      const serverSeconds = (parseTokenExpiry(text, now).getTime() - now.getTime()) / 1000;
      assert.equal(parseJoinTokenLifetime(text), serverSeconds, text);
    }
  });
});
