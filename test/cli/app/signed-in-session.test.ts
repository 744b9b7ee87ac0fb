import assert from 'node:assert/strict';
import { isLatchkeyError } from '@latchkey/shared';
import { logout } from '../../../cli/src/app/logout.js';
import { whoAmI } from '../../../cli/src/app/read-my-access.js';
import { credentialsFromTokens } from '../../../cli/src/domain/credentials.js';
import { FakeAccessServer, FakeClock, FakeCredentialStore } from './fakes.js';

describe('signed-in calls', () => {
  async function signedIn() {
    const clock = new FakeClock();
    const server = new FakeAccessServer(clock);
    const store = new FakeCredentialStore();
    await store.put(credentialsFromTokens(server.url, server.issueTokens(), clock.now()));
    return { clock, server, store, deps: { server, store, clock } };
  }

  it('uses the stored access token while it is valid', async () => {
    const { server, deps } = await signedIn();
    await whoAmI(deps);
    assert.deepEqual(server.calls, ['me at-1']);
  });

  it('refreshes an expired access token first and saves the rotated refresh token', async () => {
    const { clock, server, store, deps } = await signedIn();
    clock.advance(600_000);
    await whoAmI(deps);
    assert.deepEqual(server.calls, ['refresh rt-1', 'me at-2']);
    assert.equal((await store.get(server.url))?.refresh_token, 'rt-2');
    clock.advance(600_000);
    await whoAmI(deps);
    assert.deepEqual(server.calls.slice(2), ['refresh rt-2', 'me at-3']);
  });

  it('refreshes once on a 401 and retries', async () => {
    const { server, store, deps } = await signedIn();
    server.validAccessTokens.clear(); // e.g. the server's signing key changed
    await whoAmI(deps);
    assert.deepEqual(server.calls, ['refresh rt-1', 'me at-2']);
    assert.equal((await store.get(server.url))?.access_token, 'at-2');
  });

  it('uses what another process refreshed instead of spending the old refresh token', async () => {
    const { clock, server, store, deps } = await signedIn();
    clock.advance(600_000);
    const original = store.get.bind(store);
    let reads = 0;
    // The first read sees the expired token; by the time the lock is held, another process has refreshed.
    store.get = async (url: string) => {
      reads++;
      if (reads === 2) await store.put(credentialsFromTokens(server.url, server.issueTokens(), clock.now()));
      return original(url);
    };
    await whoAmI(deps);
    assert.deepEqual(server.calls, ['me at-2']);
  });

  it('ends the sign-in when the refresh token is refused, and says to log in again', async () => {
    const { clock, server, store, deps } = await signedIn();
    server.validRefreshTokens.clear();
    clock.advance(600_000);
    await assert.rejects(
      whoAmI(deps),
      (e) =>
        isLatchkeyError(e, 'unauthenticated') &&
        /has ended/.test(e.message) &&
        /latchkey login --server https:\/\/latchkey\.test/.test(e.message),
    );
    assert.equal(await store.get(server.url), undefined);
  });

  it('says "not signed in" without credentials', async () => {
    const clock = new FakeClock();
    const server = new FakeAccessServer(clock);
    await assert.rejects(
      whoAmI({ server, store: new FakeCredentialStore(), clock }),
      (e) =>
        isLatchkeyError(e, 'unauthenticated') && /^not signed in to https:\/\/latchkey\.test/.test(e.message),
    );
  });

  describe('logout', () => {
    let removed = 0;
    beforeEach(() => (removed = 0));
    it('revokes the refresh token and forgets the credentials', async () => {
      const { server, store, deps } = await signedIn();
      const lines: string[] = [];
      await logout({
        ...deps,
        notify: (line) => lines.push(line),
        removeSshKeys: async () => void removed++,
      });
      assert.deepEqual(server.revoked, ['rt-1']);
      assert.equal(await store.get(server.url), undefined);
      assert.deepEqual(lines, ['Signed out of https://latchkey.test.']);
      assert.equal(removed, 1, "the ssh-config helper's certificates are gone too");
    });

    it('still forgets the credentials when the server cannot be reached, and says so', async () => {
      const { server, store, deps } = await signedIn();
      server.reachable = false;
      const lines: string[] = [];
      await logout({
        ...deps,
        notify: (line) => lines.push(line),
        removeSshKeys: async () => void removed++,
      });
      assert.equal(await store.get(server.url), undefined);
      assert.match(lines[0]!, /Could not reach https:\/\/latchkey\.test .*ECONNREFUSED/);
      assert.match(lines[1]!, /Removed the local credentials/);
      assert.equal(removed, 1);
    });
  });
});
