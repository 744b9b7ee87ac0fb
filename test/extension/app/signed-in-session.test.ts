import assert from 'node:assert/strict';
import { isLatchkeyError } from '@latchkey/shared';
import { signOut } from '../../../extension/src/app/sign-out.js';
import { SignedInSession } from '../../../extension/src/app/signed-in-session.js';
import { FakeClock, FakeServer, MemoryStore, storedSession } from './fakes.js';

describe('extension/app: the signed-in session (refresh with rotation) and sign-out', () => {
  it('hands out the stored access token while it is fresh', async () => {
    const server = new FakeServer();
    const session = new SignedInSession({
      server,
      store: new MemoryStore(storedSession()),
      clock: new FakeClock(),
    });
    assert.equal(await session.accessToken(), 'a0');
    assert.deepEqual(server.refreshCalls, []);
  });

  it('refreshes near expiry and stores the rotated pair; concurrent callers share one refresh', async () => {
    const server = new FakeServer();
    const store = new MemoryStore(storedSession());
    const clock = new FakeClock(1_000_000 + 600_000 - 10_000);
    const session = new SignedInSession({ server, store, clock });
    const tokens = await Promise.all([session.accessToken(), session.accessToken(), session.accessToken()]);
    assert.deepEqual(tokens, ['a1', 'a1', 'a1']);
    assert.deepEqual(server.refreshCalls, ['r0'], 'one refresh: a second use of r0 would be refused');
    assert.equal(store.session?.refreshToken, 'r1');
    assert.equal(store.session?.accessTokenExpiresAt, clock.time + 600_000);
  });

  it('a 401 on a call refreshes once and retries', async () => {
    const server = new FakeServer();
    server.validAccessTokens.delete('a0');
    server.targets = [];
    const session = new SignedInSession({
      server,
      store: new MemoryStore(storedSession()),
      clock: new FakeClock(),
    });
    assert.deepEqual(await session.withAccessToken((t) => server.myTargets(t)), []);
    assert.deepEqual(server.refreshCalls, ['r0']);
  });

  it('a refused refresh signs out locally with a message that says to sign in again', async () => {
    const server = new FakeServer();
    server.validRefreshTokens.clear();
    const store = new MemoryStore(storedSession({ accessTokenExpiresAt: 0 }));
    const session = new SignedInSession({ server, store, clock: new FakeClock() });
    await assert.rejects(session.accessToken(), (error: unknown) => {
      assert.ok(isLatchkeyError(error, 'unauthenticated'));
      assert.match(error.message, /sign in again/);
      return true;
    });
    assert.equal(store.session, undefined);
  });

  it('a session stored for another server is not used', async () => {
    const store = new MemoryStore(storedSession({ serverUrl: 'https://other.example.com' }));
    const session = new SignedInSession({ server: new FakeServer(), store, clock: new FakeClock() });
    assert.equal(await session.current(), undefined);
    await assert.rejects(session.accessToken(), /signed out of Latchkey/);
  });

  it('sign-out revokes the refresh token on the server and deletes the tokens, even when the server fails', async () => {
    const server = new FakeServer();
    const store = new MemoryStore(storedSession());
    assert.equal(await signOut({ server, store }), true);
    assert.deepEqual(server.revoked, ['r0']);
    assert.equal(store.session, undefined);

    const failing = new FakeServer();
    failing.revoke = async () => {
      throw new Error('down');
    };
    const store2 = new MemoryStore(storedSession());
    assert.equal(await signOut({ server: failing, store: store2 }), false);
    assert.equal(store2.session, undefined);
  });
});
