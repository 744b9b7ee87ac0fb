import assert from 'node:assert/strict';
import { isLatchkeyError } from '@latchkey/shared';
import { signIn } from '../../../extension/src/app/sign-in.js';
import { FakeClock, FakeServer, ME, MemoryStore } from './fakes.js';

describe('extension/app: sign-in with the device flow', () => {
  function setup(polls: FakeServer['polls']) {
    const server = new FakeServer();
    server.polls = polls;
    const store = new MemoryStore();
    const clock = new FakeClock();
    const shown: unknown[] = [];
    return {
      server,
      store,
      clock,
      shown,
      deps: { server, store, clock, prompt: { show: (c: unknown) => shown.push(c) } },
    };
  }

  it('shows the code, polls at the interval (slower after slow_down), stores the tokens and who signed in', async () => {
    const { deps, store, clock, shown } = setup([
      'authorization_pending',
      'slow_down',
      'authorization_pending',
      'issued',
    ]);
    const session = await signIn(deps);
    assert.deepEqual(shown, [
      {
        userCode: 'ABCD-EFGH',
        verificationUri: 'https://access.example.com/device',
        verificationUriComplete: 'https://access.example.com/device?user_code=ABCD-EFGH',
      },
    ]);
    assert.deepEqual(clock.slept, [2000, 2000, 7000, 7000]);
    assert.equal(session.email, ME.email);
    assert.equal(session.sessionId, ME.session_id);
    assert.equal(session.accessToken, 'a1');
    assert.equal(session.refreshToken, 'r1');
    assert.equal(session.accessTokenExpiresAt, clock.time + 600_000);
    assert.deepEqual(store.session, session);
  });

  it('a denial in the browser is an error that says how to try again, and nothing is stored', async () => {
    const { deps, store } = setup(['authorization_pending', 'access_denied']);
    await assert.rejects(signIn(deps), (error: unknown) => {
      assert.ok(isLatchkeyError(error, 'permission_denied'));
      assert.match(error.message, /ABCD-EFGH was denied.*Latchkey: Sign In/);
      return true;
    });
    assert.equal(store.session, undefined);
  });

  it('an expired code, and a code that outlives expires_in, end the sign-in', async () => {
    await assert.rejects(signIn(setup(['expired_token']).deps), /expired before it was approved/);
    // Never approved: the client gives up at expires_in (600 s) by itself.
    const { deps, clock } = setup([]);
    await assert.rejects(signIn(deps), /expired before it was approved/);
    assert.equal(
      clock.slept.reduce((a, b) => a + b, 0),
      600_000,
    );
  });

  it('cancelling stops the polling', async () => {
    const { deps } = setup([]);
    const abort = new AbortController();
    abort.abort();
    await assert.rejects(signIn(deps, abort.signal), /cancelled/);
  });
});
