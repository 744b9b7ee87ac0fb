/**
 * Which server each of the agent's two tunnel links dials (agent/src/domain/tunnel/server-choice.ts), and
 * what a server's advertisement of the live servers may say.
 */
import assert from 'node:assert/strict';
import {
  parseServersAdvertisement,
  serverToDial,
  type KnownServer,
} from '../../../../agent/src/domain/tunnel/server-choice.js';

const A: KnownServer = { id: 'a', url: 'https://a.example:8443' };
const B: KnownServer = { id: 'b', url: 'https://b.example:8443' };
const C: KnownServer = { id: 'c', url: 'https://c.example:8443' };
const LB = 'https://access.example.com';

describe('agent tunnel: which server each link dials', () => {
  it('one server: the first link dials the enrolled URL, the second nothing', () => {
    for (const failures of [0, 1, 5]) {
      assert.equal(
        serverToDial({ slot: 0, enrolledUrl: A.url, known: [A], otherServerId: 'a', failures }),
        A.url,
      );
      assert.equal(serverToDial({ slot: 0, enrolledUrl: A.url, known: [], failures }), A.url);
      assert.equal(
        serverToDial({ slot: 1, enrolledUrl: A.url, known: [A], otherServerId: 'a', failures }),
        undefined,
      );
      assert.equal(serverToDial({ slot: 1, enrolledUrl: A.url, known: [], failures }), undefined);
    }
    // Before the first link said which server it is on, the enrolled URL is still not dialled twice.
    assert.equal(serverToDial({ slot: 1, enrolledUrl: `${A.url}/`, known: [A], failures: 0 }), undefined);
  });

  it('several: the second link takes another server than the first, going round them as dials fail', () => {
    const choice = { slot: 1 as const, enrolledUrl: LB, known: [A, B, C], otherServerId: 'b' };
    assert.equal(serverToDial({ ...choice, failures: 0 }), A.url);
    assert.equal(serverToDial({ ...choice, failures: 1 }), C.url);
    assert.equal(serverToDial({ ...choice, failures: 2 }), A.url);
  });

  it('the first link keeps to the enrolled URL while it works, then goes round the servers the other does not hold', () => {
    const choice = { slot: 0 as const, enrolledUrl: A.url, known: [A, B, C], otherServerId: 'c' };
    assert.equal(serverToDial({ ...choice, failures: 0 }), A.url);
    // A is down: B (C is the other link's).
    assert.equal(serverToDial({ ...choice, failures: 1 }), B.url);
    assert.equal(serverToDial({ ...choice, failures: 2 }), A.url);
    // With one link only (no other), every known server is a way in.
    assert.equal(serverToDial({ slot: 0, enrolledUrl: A.url, known: [A, B], failures: 1 }), B.url);
  });

  it('a link never counts the server it was last on as another (one server behind a load balancer)', () => {
    // The only server, told under its own URL, dropped the first link: it dials the enrolled URL again.
    for (const failures of [1, 2, 3]) {
      assert.equal(serverToDial({ slot: 0, enrolledUrl: LB, known: [A], ownServerId: 'a', failures }), LB);
    }
    // Several: it goes round the enrolled URL and the servers it was not on.
    const choice = {
      slot: 0 as const,
      enrolledUrl: LB,
      known: [A, B, C],
      ownServerId: 'a',
      otherServerId: 'c',
    };
    assert.equal(serverToDial({ ...choice, failures: 1 }), B.url);
    assert.equal(serverToDial({ ...choice, failures: 2 }), LB);
    // The second link, with no other server to go to, dials its last one again rather than nothing.
    assert.equal(
      serverToDial({
        slot: 1,
        enrolledUrl: LB,
        known: [A, B],
        ownServerId: 'a',
        otherServerId: 'b',
        failures: 1,
      }),
      A.url,
    );
  });
});

describe("agent tunnel: a server's advertisement", () => {
  it('takes a server that names itself by id only (not announced to agents)', () => {
    assert.deepEqual(
      parseServersAdvertisement({ self: { id: 'a' }, servers: [] }, 'https://access.example.com'),
      { self: { id: 'a' }, servers: [] },
    );
    assert.equal(parseServersAdvertisement({ self: {}, servers: [] }, 'https://x.example'), undefined);
  });

  it('takes ids and http(s) URLs, trailing slashes dropped', () => {
    assert.deepEqual(
      parseServersAdvertisement(
        { self: { id: 'a', url: 'http://127.0.0.1:1/' }, servers: [{ id: 'a', url: 'http://127.0.0.1:1' }] },
        'http://127.0.0.1:1',
      ),
      { self: { id: 'a', url: 'http://127.0.0.1:1' }, servers: [{ id: 'a', url: 'http://127.0.0.1:1' }] },
    );
  });

  it('refuses what is not an advertisement, and a sender that fails the checks (plain http over https)', () => {
    const good = { id: 'a', url: 'https://a.example' };
    for (const body of [
      undefined,
      null,
      'text',
      { self: good },
      { self: good, servers: 'x' },
      { self: { id: 'a b', url: good.url }, servers: [] },
      { self: { id: 'a', url: 'http://a.example' }, servers: [good] },
      { self: { id: 'a', url: 'ftp://a.example' }, servers: [] },
    ]) {
      assert.equal(
        parseServersAdvertisement(body, 'https://access.example'),
        undefined,
        JSON.stringify(body),
      );
    }
    assert.ok(
      parseServersAdvertisement({ self: good, servers: [{ id: 'b', url: 'http://b.example' }] }, 'http://x'),
    );
  });

  it('drops only the listed servers that fail the checks, plain http ones when enrolled over https', () => {
    const good = { id: 'a', url: 'https://a.example' };
    const other = { id: 'c', url: 'https://c.example' };
    for (const bad of [
      { id: 'b', url: 'ftp://b.example' },
      { id: 'b', url: 'https://user:pw@b.example' },
      { id: 'b', url: 'https://b.example/?x=1' },
      { id: 'b', url: 'not a url' },
      { id: 'b', url: 'http://b.example' },
      { id: 'b c', url: 'https://b.example' },
      'text',
    ]) {
      assert.deepEqual(
        parseServersAdvertisement({ self: good, servers: [good, bad, other] }, 'https://access.example'),
        { self: good, servers: [good, other] },
        JSON.stringify(bad),
      );
    }
  });
});
