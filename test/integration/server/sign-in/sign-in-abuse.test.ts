// Issue 13, "password guessing", over the real HTTP app: 80 wrong passwords in a row or in parallel,
// then the right one, do not sign in while the account is locked (the lockout is in the database, so a
// second server on the same database agrees); once the lock has expired (the clock is injected) the right
// password works. Rate limits per address and per account on the device page, and per address and per
// grant on the OAuth endpoints, answer 429 with Retry-After.
import assert from 'node:assert/strict';
import { buildApp } from '../../../../server/src/adapters/http/build-app.js';
import { createServices } from '../../../../server/src/compose.js';
import { startTestServer, TEST_PASSWORD_HASHER } from '../../../server/support/test-server.js';
import type { Json, TestServer } from '../../../server/support/test-server.js';
import { pollDevice, postForm, startDevice } from '../../../server/sign-in/sign-in-client.js';

const GENEROUS = { burst: 10_000, perMinute: 10_000 };

/** The device page's password POST, as a browser sends it. */
async function postPassword(
  baseUrl: string,
  fields: { userCode: string; email: string; password: string },
  headers: Record<string, string> = {},
) {
  const response = await fetch(new URL('/device/password', baseUrl), {
    method: 'POST',
    headers,
    body: new URLSearchParams({
      user_code: fields.userCode,
      email: fields.email,
      password: fields.password,
      decision: 'approve',
    }),
  });
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    html: await response.text(),
  };
}

describe('sign-in abuse: lockout and rate limits', function () {
  this.timeout(60_000);
  let server: TestServer;
  let now = Date.parse('2026-11-24T12:00:00.000Z');
  const clock = () => new Date(now);

  before(async () => {
    // Rate limits out of the way: these tests are about the lockout.
    server = await startTestServer({
      listen: true,
      clock,
      signInLimits: { passwordPerAddress: GENEROUS, passwordPerAccount: GENEROUS, tokenPerAddress: GENEROUS },
    });
  });
  after(async () => server?.close());

  const audit = async (action: string, email: string) =>
    ((await server.call('GET', `/v1/audit?action=${action}&per_page=1000`)).body.result as Json[]).filter(
      (event) => event.resource_id === email,
    );

  for (const mode of ['in a row', 'in parallel'] as const) {
    it(`the attack, ${mode}: 80 wrong passwords, then the right one, do not sign in while locked`, async () => {
      const email = `victim-${mode.replace(/ /g, '-')}@example.com`;
      await server.addUser(email, 'the right password');
      const device = await startDevice(server.url);
      const wrong = () => postPassword(server.url, { userCode: device.user_code, email, password: 'guess' });
      const answers =
        mode === 'in a row'
          ? await (async () => {
              const all = [];
              for (let i = 0; i < 80; i++) all.push(await wrong());
              return all;
            })()
          : await Promise.all(Array.from({ length: 80 }, wrong));
      const statuses = answers.map((a) => a.status);
      assert.equal(statuses.filter((s) => s === 401).length, 5, `5 free attempts: ${statuses.join(',')}`);
      assert.equal(statuses.filter((s) => s === 429).length, 75);
      const locked = answers.find((a) => a.status === 429)!;
      assert.equal(locked.retryAfter, '1');
      assert.match(
        locked.html,
        /too many failed sign-ins for this account: it is locked for now; try again in 1 s/,
      );

      const right = await postPassword(server.url, {
        userCode: device.user_code,
        email,
        password: 'the right password',
      });
      assert.equal(right.status, 429, 'the right password does not get in while the account is locked');
      assert.equal((await pollDevice(server.url, device.device_code)).body.error, 'authorization_pending');
      assert.equal((await audit('sign_in.failed', email)).length, 5);
      const [lockEvent] = await audit('sign_in.locked', email);
      assert.equal(lockEvent.after.consecutive_failures, 5);
      assert.equal(lockEvent.after.client_ip, '127.0.0.1');

      // A second server process on the same database sees the same lock.
      const other = await buildApp(
        await createServices({
          store: server.store,
          caKeys: server.services.caKeys,
          clock,
          passwords: TEST_PASSWORD_HASHER,
        }),
      );
      try {
        const elsewhere = await other.app.inject({
          method: 'POST',
          url: '/device/password',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: new URLSearchParams({
            user_code: device.user_code,
            email,
            password: 'the right password',
            decision: 'approve',
          }).toString(),
        });
        assert.equal(elsewhere.statusCode, 429, 'the other process agrees: locked');
      } finally {
        await other.app.close();
      }

      now += 1000; // the lock (1 s after the fifth failure) has expired
      const later = await postPassword(server.url, {
        userCode: device.user_code,
        email,
        password: 'the right password',
      });
      assert.equal(later.status, 200, later.html);
      const tokens = await pollDevice(server.url, device.device_code);
      assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    });
  }

  it('the lock backs off exponentially and a success resets it', async () => {
    const email = 'backoff@example.com';
    await server.addUser(email, 'the right password');
    const device = await startDevice(server.url);
    const attempt = (password: string) =>
      postPassword(server.url, { userCode: device.user_code, email, password });
    for (let i = 0; i < 5; i++) assert.equal((await attempt('guess')).status, 401);
    now += 1000;
    assert.equal((await attempt('guess')).status, 401, 'the sixth failure, after the first lock');
    const second = await attempt('the right password');
    assert.equal(second.status, 429);
    assert.equal(second.retryAfter, '2', 'now locked for 2 s');
    now += 1999;
    assert.equal((await attempt('the right password')).status, 429);
    now += 1;
    assert.equal((await attempt('the right password')).status, 200);
    const again = await startDevice(server.url);
    const fresh = await postPassword(server.url, { userCode: again.user_code, email, password: 'guess' });
    assert.equal(fresh.status, 401, 'a success reset the count: free attempts again');
  });

  it('an unknown email locks the same way (nothing tells accounts apart)', async () => {
    const device = await startDevice(server.url);
    const statuses = [];
    for (let i = 0; i < 7; i++) {
      statuses.push(
        (
          await postPassword(server.url, {
            userCode: device.user_code,
            email: 'nobody@example.com',
            password: 'x',
          })
        ).status,
      );
    }
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429, 429]);
  });
});

describe('sign-in abuse: rate limits answer 429 with Retry-After', function () {
  this.timeout(30_000);
  let server: TestServer;

  before(async () => {
    server = await startTestServer({
      listen: true,
      signInLimits: {
        passwordPerAddress: { burst: 3, perMinute: 6 },
        passwordPerAccount: { burst: 100, perMinute: 100 },
        tokenPerAddress: { burst: 4, perMinute: 6 },
        deviceStartPerAddress: { burst: 6, perMinute: 6 },
      },
    });
    await server.addUser('ada@example.com', 'the right password');
  });
  after(async () => server?.close());

  it('password sign-ins per address', async () => {
    const device = await startDevice(server.url);
    const statuses = [];
    let last;
    for (let i = 0; i < 4; i++) {
      last = await postPassword(server.url, {
        userCode: device.user_code,
        email: `x${i}@example.com`,
        password: 'x',
      });
      statuses.push(last.status);
    }
    assert.deepEqual(statuses, [401, 401, 401, 429]);
    assert.equal(last!.retryAfter, '10');
    assert.match(last!.html, /too many sign-in attempts from your address; try again in 10 s/);
  });

  it('the token endpoint per address, and device authorizations per address', async () => {
    const statuses = [];
    let last;
    for (let i = 0; i < 5; i++) {
      last = await postForm(server.url, '/oauth/token', {
        grant_type: 'refresh_token',
        refresh_token: `lkr_${i}`,
      });
      statuses.push(last.status);
    }
    assert.deepEqual(statuses, [400, 400, 400, 400, 429]);
    assert.equal(last!.body.error, 'too_many_requests');
    assert.equal(last!.headers.get('retry-after'), '10');
    const starts = [];
    for (let i = 0; i < 6; i++) {
      starts.push(
        (await postForm(server.url, '/oauth/device_authorization', { client_id: 'latchkey-cli' })).status,
      );
    }
    assert.equal(starts.at(-1), 429, starts.join(','));
  });
});
