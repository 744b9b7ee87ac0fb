/**
 * The peer credential of several servers (domain/tunnel-peering.ts): a request B signs for A verifies at
 * A only, only within its life, only once; anything forged, altered, absent, for another server, stale or
 * replayed is refused with its reason.
 */
import assert from 'node:assert/strict';
import {
  PEER_CLOCK_SKEW_MS,
  PEER_REQUEST_LIFETIME_MS,
  SeenPeerStreams,
  forwardingCandidates,
  listenUrl,
  signPeerRequest,
  verifyPeerRequest,
  type PeerStreamRequest,
} from '../../../server/src/domain/tunnel-peering.js';

const KEY = new Uint8Array(32).fill(7);
const NOW = Date.parse('2026-12-07T12:00:00.000Z');

const request = (change: Partial<PeerStreamRequest> = {}): PeerStreamRequest => ({
  v: 1,
  from: 'server-b',
  to: 'server-a',
  agent: 'agent-1',
  account: 'account-1',
  stream: 'stream-1',
  person: 'bob@corp.example',
  client: '192.0.2.7',
  port: 2222,
  iat: NOW,
  exp: NOW + PEER_REQUEST_LIFETIME_MS,
  ...change,
});

const verify = (token: string | undefined, nowMs = NOW, seen: (stream: string) => boolean = () => false) =>
  verifyPeerRequest(KEY, token, { self: 'server-a', nowMs, seen });

describe('tunnel peering: the peer credential', () => {
  it('accepts a fresh request signed with the peer secret, for this server', () => {
    const verdict = verify(signPeerRequest(KEY, request()));
    assert.deepEqual(verdict, { ok: true, request: request() });
  });

  it('refuses an absent, malformed or forged credential', () => {
    assert.deepEqual(verify(undefined), { ok: false, reason: 'absent' });
    assert.deepEqual(verify(''), { ok: false, reason: 'absent' });
    assert.deepEqual(verify('not a token'), { ok: false, reason: 'malformed' });
    assert.deepEqual(verify('a.b.c'), { ok: false, reason: 'malformed' });
    // Signed with another key (a server of another installation, or a guess).
    const forged = signPeerRequest(new Uint8Array(32).fill(8), request());
    assert.deepEqual(verify(forged), { ok: false, reason: 'bad_signature' });
    // A genuine signature over an altered request: another agent, or another person.
    const [, signature] = signPeerRequest(KEY, request()).split('.');
    for (const change of [{ agent: 'agent-2' }, { person: 'mallory@corp.example' }, { port: 22 }]) {
      const payload = Buffer.from(JSON.stringify(request(change))).toString('base64url');
      assert.deepEqual(verify(`${payload}.${signature}`), { ok: false, reason: 'bad_signature' });
    }
    // A signed payload that is not a request.
    const junk = Buffer.from('{"v":1}').toString('base64url');
    assert.deepEqual(verify(signPeerRequest(KEY, request()).replace(/^[^.]+/, junk)), {
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('refuses a genuine request that is malformed once opened', () => {
    for (const change of [{ port: 0 }, { port: 70000 }, { person: '' }, { v: 2 as unknown as 1 }]) {
      assert.deepEqual(verify(signPeerRequest(KEY, request(change))), { ok: false, reason: 'malformed' });
    }
  });

  it('refuses a request for another server, or from itself', () => {
    assert.deepEqual(verify(signPeerRequest(KEY, request({ to: 'server-c' }))), {
      ok: false,
      reason: 'not_for_me',
    });
    assert.deepEqual(verify(signPeerRequest(KEY, request({ from: 'server-a' }))), {
      ok: false,
      reason: 'not_for_me',
    });
  });

  it('refuses a request past its life, from too far ahead, or with a life too long', () => {
    const token = signPeerRequest(KEY, request());
    assert.equal(verify(token, NOW + PEER_REQUEST_LIFETIME_MS).ok, true);
    assert.deepEqual(verify(token, NOW + PEER_REQUEST_LIFETIME_MS + 1), { ok: false, reason: 'expired' });
    assert.equal(verify(token, NOW - PEER_CLOCK_SKEW_MS).ok, true);
    assert.deepEqual(verify(token, NOW - PEER_CLOCK_SKEW_MS - 1), { ok: false, reason: 'expired' });
    const forever = signPeerRequest(KEY, request({ exp: NOW + 24 * 3600_000 }));
    assert.deepEqual(verify(forever), { ok: false, reason: 'expired' });
  });

  it('refuses a replay: a stream id accepted once is remembered for as long as it verifies', () => {
    const seen = new SeenPeerStreams();
    const check = (token: string, nowMs: number) => {
      const verdict = verify(token, nowMs, (stream) => seen.has(stream, nowMs));
      if (verdict.ok) seen.add(verdict.request.stream, nowMs);
      return verdict;
    };
    const token = signPeerRequest(KEY, request());
    assert.equal(check(token, NOW).ok, true);
    assert.deepEqual(check(token, NOW + 1), { ok: false, reason: 'replayed' });
    assert.deepEqual(check(token, NOW + PEER_REQUEST_LIFETIME_MS), { ok: false, reason: 'replayed' });
    // Another stream is another request.
    assert.equal(check(signPeerRequest(KEY, request({ stream: 'stream-2' })), NOW + 2).ok, true);
    // Forgotten only once no request could verify any more.
    assert.equal(seen.has('stream-1', NOW + PEER_REQUEST_LIFETIME_MS + PEER_CLOCK_SKEW_MS), true);
    assert.equal(seen.has('stream-1', NOW + PEER_REQUEST_LIFETIME_MS + PEER_CLOCK_SKEW_MS + 1), false);
  });

  it('refuses a replay at the last millisecond of a request signed a clock skew ahead', () => {
    // An attacker's review: accepted at NOW, a request whose iat is NOW + skew verifies until
    // NOW + skew + lifetime; the memory must hold it that long, to the millisecond.
    const seen = new SeenPeerStreams();
    const check = (token: string, nowMs: number) => {
      const verdict = verify(token, nowMs, (stream) => seen.has(stream, nowMs));
      if (verdict.ok) seen.add(verdict.request.stream, nowMs);
      return verdict;
    };
    const ahead = NOW + PEER_CLOCK_SKEW_MS;
    const token = signPeerRequest(KEY, request({ iat: ahead, exp: ahead + PEER_REQUEST_LIFETIME_MS }));
    assert.equal(check(token, NOW).ok, true);
    const last = NOW + PEER_CLOCK_SKEW_MS + PEER_REQUEST_LIFETIME_MS;
    assert.deepEqual(check(token, last - 1), { ok: false, reason: 'replayed' });
    assert.deepEqual(check(token, last), { ok: false, reason: 'replayed' });
    assert.deepEqual(check(token, last + 1), { ok: false, reason: 'expired' });
  });
});

describe('tunnel peering: where to forward', () => {
  it('one attempt per server other than this one, in the order given (newest link first)', () => {
    const links = [
      { serverId: 'b', agentId: 'agent-1' },
      { serverId: 'self', agentId: 'agent-1' },
      { serverId: 'c', agentId: 'agent-2' },
      { serverId: 'b', agentId: 'agent-2' },
    ];
    assert.deepEqual(forwardingCandidates(links, 'self'), [links[0], links[2]]);
    assert.deepEqual(forwardingCandidates([], 'self'), []);
  });

  it('a listen address as a URL', () => {
    assert.equal(listenUrl('http', '127.0.0.1', 8443), 'http://127.0.0.1:8443');
    assert.equal(listenUrl('https', '::1', 443), 'https://[::1]:443');
  });
});
