import assert from 'node:assert/strict';
import { isLatchkeyError } from '@latchkey/shared';
import { login } from '../../../cli/src/app/login.js';
import { FakeAccessServer, FakeClock, FakeCredentialStore } from './fakes.js';

describe('login (device authorization grant)', () => {
  function setUp() {
    const clock = new FakeClock();
    const server = new FakeAccessServer(clock);
    const store = new FakeCredentialStore();
    const lines: string[] = [];
    return {
      clock,
      server,
      store,
      lines,
      deps: { server, store, clock, notify: (line: string) => lines.push(line) },
    };
  }

  it('shows where to approve the code, polls at the interval, stores the tokens and answers who signed in', async () => {
    const { clock, server, store, lines, deps } = setUp();
    server.pollScript = ['authorization_pending', 'authorization_pending'];
    const started = clock.now();
    const me = await login(deps);
    assert.equal(me.email, 'alice@example.com');
    assert.deepEqual(lines, [
      'To sign in, open https://latchkey.test/device?user_code=ABCD-EFGH and check the code is ABCD-EFGH',
    ]);
    assert.deepEqual(clock.slept, [2000, 2000, 2000]);
    assert.equal(server.calls[0], 'device_authorization latchkey-cli');
    assert.equal(server.calls.filter((c) => c.startsWith('poll device-code-1 latchkey-cli')).length, 3);
    assert.deepEqual(await store.get(server.url), {
      server: server.url,
      access_token: 'at-1',
      refresh_token: 'rt-1',
      expires_at: new Date(started + 6000 + 600_000).toISOString(),
    });
  });

  it('opens the verification page when a browser opener is given', async () => {
    const { deps } = setUp();
    const opened: string[] = [];
    await login({ ...deps, openBrowser: (url) => opened.push(url) });
    assert.deepEqual(opened, ['https://latchkey.test/device?user_code=ABCD-EFGH']);
  });

  it('waits 5 s more after each slow_down, and 5 s when the server names no interval', async () => {
    const { clock, server, deps } = setUp();
    server.interval = undefined;
    server.pollScript = ['slow_down', 'authorization_pending', 'slow_down'];
    await login(deps);
    assert.deepEqual(clock.slept, [5000, 10_000, 10_000, 15_000]);
  });

  it('fails clearly when the person denies it, or the code expires', async () => {
    const denied = setUp();
    denied.server.pollScript = ['access_denied'];
    await assert.rejects(
      login(denied.deps),
      (e) => isLatchkeyError(e, 'permission_denied') && /denied/.test(e.message),
    );
    assert.equal(await denied.store.get(denied.server.url), undefined);

    const expired = setUp();
    expired.server.pollScript = ['authorization_pending', 'expired_token'];
    await assert.rejects(
      login(expired.deps),
      (e) =>
        isLatchkeyError(e, 'unauthenticated') &&
        /expired/.test(e.message) &&
        /latchkey login/.test(e.message),
    );
  });

  it('gives up when expires_in has passed even if the server keeps saying pending', async () => {
    const { server, deps } = setUp();
    server.pollScript = Array.from({ length: 400 }, () => 'authorization_pending' as const);
    await assert.rejects(
      login(deps),
      (e) => isLatchkeyError(e, 'unauthenticated') && /expired/.test(e.message),
    );
    assert.ok(server.pollScript.length > 0);
  });
});
