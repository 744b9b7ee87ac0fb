// The gate of forwarded-stream upgrades (gatePeerUpgrade, server/src/adapters/http/tunnel/tunnel-endpoints.ts):
// one peer address carries every person it forwards, so genuine peer requests are never charged to it;
// failed ones are, and a flood of forgeries from one address is cut to 503 once its budget is spent.
import assert from 'node:assert/strict';
import { LatchkeyError } from '@latchkey/shared';
import {
  PEER_UPGRADES_PER_ADDRESS,
  gatePeerUpgrade,
} from '../../../../../server/src/adapters/http/tunnel/tunnel-endpoints.js';
import { RateLimiter } from '../../../../../server/src/app/sign-in/sign-in-throttle.js';
import type { PeerRequestVerdict } from '../../../../../server/src/domain/tunnel-peering.js';

const now = new Date('2026-12-07T12:00:00Z');
const PEER = '10.0.0.2';

const genuine = (stream: string): PeerRequestVerdict => ({
  ok: true,
  request: {
    v: 1,
    from: 'b',
    to: 'a',
    agent: 'agent-1',
    account: 'account-1',
    stream,
    person: 'person-1',
    port: 22,
    iat: now.getTime(),
    exp: now.getTime() + 30_000,
  },
});
const forged: PeerRequestVerdict = { ok: false, reason: 'bad_signature' };

/** The error code gatePeerUpgrade refused with, or 'admitted'. */
function outcome(verdict: PeerRequestVerdict, address: string, limiter: RateLimiter): string {
  try {
    gatePeerUpgrade(verdict, address, limiter);
    return 'admitted';
  } catch (error) {
    assert.ok(error instanceof LatchkeyError, String(error));
    return error.code;
  }
}

describe('tunnel: the gate of forwarded-stream upgrades', () => {
  it('admits many genuine peer requests from one address, far beyond the per-address budget', () => {
    const limiter = new RateLimiter(() => now);
    const count = 4 * PEER_UPGRADES_PER_ADDRESS.burst;
    for (let index = 0; index < count; index += 1) {
      assert.equal(outcome(genuine(`s${index}`), PEER, limiter), 'admitted', `request ${index}`);
    }
    assert.equal(gatePeerUpgrade(genuine('last'), PEER, limiter).stream, 'last');
  });

  it('refuses forgeries with unauthenticated, then cuts a flood from one address to unavailable', () => {
    const limiter = new RateLimiter(() => now);
    const outcomes = Array.from({ length: PEER_UPGRADES_PER_ADDRESS.burst + 10 }, () =>
      outcome(forged, '203.0.113.9', limiter),
    );
    assert.deepEqual([...new Set(outcomes.slice(0, PEER_UPGRADES_PER_ADDRESS.burst))], ['unauthenticated']);
    assert.deepEqual([...new Set(outcomes.slice(PEER_UPGRADES_PER_ADDRESS.burst))], ['unavailable']);
  });

  it("a flood of forgeries from the peer's address does not refuse its genuine requests", () => {
    const limiter = new RateLimiter(() => now);
    for (let index = 0; index < PEER_UPGRADES_PER_ADDRESS.burst + 1; index += 1)
      outcome(forged, PEER, limiter);
    assert.equal(outcome(forged, PEER, limiter), 'unavailable');
    assert.equal(outcome(genuine('after'), PEER, limiter), 'admitted');
  });
});
