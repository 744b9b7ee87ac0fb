// The device authorization grant (RFC 8628) end to end over real HTTP: the OAuth endpoints, the
// device pages with built-in accounts, tokens, refresh rotation, logout and disabled accounts.
import assert from 'node:assert/strict';
import { decideDeviceCode } from '../../../support/device-approval.js';
import { startTestServer } from '../../../server/support/test-server.js';
import type { TestServer } from '../../../server/support/test-server.js';
import {
  getJson,
  pollDevice,
  postForm,
  signInBuiltIn,
  startDevice,
} from '../../../server/sign-in/sign-in-client.js';

describe('sign-in: the device flow with built-in accounts', () => {
  let server: TestServer;
  let now = Date.now();
  const clock = () => new Date(now);

  before(async () => {
    server = await startTestServer({ listen: true, clock });
    await server.addUser('Ada@Example.com', 'correct horse battery', ['ops', 'dev']);
    await server.addUser('bob@example.com', 'bob password 1');
  });
  after(async () => server.close());
  beforeEach(() => {
    now = Date.now();
  });

  it('starts with RFC 8628 fields, then pending, slow_down, approval on the page, tokens once', async () => {
    const started = await startDevice(server.url);
    assert.match(started.user_code, /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    assert.match(started.device_code, /^lkd_[A-Za-z0-9_-]{43}$/);
    assert.equal(started.verification_uri, `${server.url}/device`);
    assert.equal(started.verification_uri_complete, `${server.url}/device?user_code=${started.user_code}`);
    assert.equal(started.expires_in, 600);
    assert.equal(started.interval, 2);

    const pending = await pollDevice(server.url, started.device_code);
    assert.equal(pending.status, 400);
    assert.equal(pending.body.error, 'authorization_pending');
    assert.equal(pending.headers.get('cache-control'), 'no-store');
    const tooFast = await pollDevice(server.url, started.device_code);
    assert.equal(tooFast.body.error, 'slow_down');

    const done = await decideDeviceCode(started.verification_uri_complete, {
      email: 'ada@example.com',
      password: 'correct horse battery',
    });
    assert.equal(
      done,
      'Signed in as ada@example.com. You can close this window and return to your terminal.',
    );

    const tokens = await pollDevice(server.url, started.device_code);
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    assert.equal(tokens.body.token_type, 'Bearer');
    assert.equal(tokens.body.expires_in, 600);
    assert.match(tokens.body.refresh_token, /^lkr_/);
    const [header, payload] = (tokens.body.access_token as string)
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
    assert.equal(header.alg, 'EdDSA');
    assert.equal(payload.iss, server.url);
    assert.equal(payload.aud, 'latchkey');
    assert.equal(payload.sub, 'ada@example.com');

    const again = await pollDevice(server.url, started.device_code);
    assert.equal(again.body.error, 'invalid_grant', 'tokens are handed out once');

    const me = await getJson(server.url, '/v1/me', tokens.body.access_token);
    assert.equal(me.status, 200);
    assert.deepEqual(
      { ...me.body.result, session_id: 'x', expires_at: 'x' },
      {
        email: 'ada@example.com',
        groups: ['dev', 'ops'],
        login_method: 'builtin',
        auth_methods: ['pwd'],
        account_id: server.accountId,
        session_id: 'x',
        expires_at: 'x',
      },
    );
    const events = await server.store.auditEvents.list(server.accountId, { action: 'sign_in' });
    assert.ok(
      events.items.some((event) => event.actor === 'user:ada@example.com' && event.action === 'sign_in'),
    );
  });

  it('a wrong password and an unknown email get the same answer; the code stays pending', async () => {
    const started = await startDevice(server.url);
    for (const email of ['ada@example.com', 'nobody@example.com']) {
      await assert.rejects(
        decideDeviceCode(started.verification_uri_complete, { email, password: 'wrong password!' }),
        /\(401\): wrong email or password$/,
      );
    }
    assert.equal((await pollDevice(server.url, started.device_code)).body.error, 'authorization_pending');
  });

  it('accepts the code typed loosely (lowercase, no dash); refuses unknown and used codes', async () => {
    const started = await startDevice(server.url);
    const loose = started.user_code.toLowerCase().replace('-', ' ');
    await decideDeviceCode(`${server.url}/device?user_code=${encodeURIComponent(loose)}`, {
      email: 'bob@example.com',
      password: 'bob password 1',
    }).catch((error: Error) => {
      // The page shows the code as typed; it must still sign in.
      throw error;
    });
    await assert.rejects(
      decideDeviceCode(started.verification_uri_complete, {
        email: 'bob@example.com',
        password: 'bob password 1',
      }),
      /this code has already been used/,
    );
    await assert.rejects(
      decideDeviceCode(`${server.url}/device?user_code=BCDF-GHJK`, {
        email: 'bob@example.com',
        password: 'x',
      }),
      /no sign-in is waiting for this code/,
    );
  });

  it('a denial is access_denied for the device', async () => {
    const started = await startDevice(server.url);
    const message = await decideDeviceCode(started.verification_uri_complete, {
      email: 'bob@example.com',
      password: 'bob password 1',
      approve: false,
    });
    assert.match(message, /denied/);
    assert.equal((await pollDevice(server.url, started.device_code)).body.error, 'access_denied');
  });

  it('an expired code is expired_token for the device and refused on the page', async () => {
    const started = await startDevice(server.url);
    now += 601_000;
    assert.equal((await pollDevice(server.url, started.device_code)).body.error, 'expired_token');
    await assert.rejects(
      decideDeviceCode(started.verification_uri_complete, {
        email: 'bob@example.com',
        password: 'bob password 1',
      }),
      /this code has expired/,
    );
  });

  it('speaks OAuth errors for bad requests', async () => {
    const badClient = await postForm(server.url, '/oauth/device_authorization', { client_id: 'evil' });
    assert.equal(badClient.status, 400);
    assert.equal(badClient.body.error, 'invalid_client');
    const badGrant = await postForm(server.url, '/oauth/token', { grant_type: 'password' });
    assert.equal(badGrant.body.error, 'unsupported_grant_type');
    const badCode = await pollDevice(server.url, 'lkd_not-a-real-code-not-a-real-code-not-a-real-cod');
    assert.equal(badCode.body.error, 'invalid_grant');
    const wrongClient = await pollDevice(
      server.url,
      (await startDevice(server.url)).device_code,
      'latchkey-vscode',
    );
    assert.equal(wrongClient.body.error, 'invalid_grant', 'a device code belongs to the client that asked');
    const missing = await postForm(server.url, '/oauth/token', { grant_type: 'refresh_token' });
    assert.equal(missing.body.error, 'invalid_request');
  });

  it('refresh tokens rotate: the new pair works, the old refresh token is refused', async () => {
    const first = await signInBuiltIn(server.url, 'bob@example.com', 'bob password 1');
    const refreshed = await postForm(server.url, '/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token,
    });
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
    assert.notEqual(refreshed.body.refresh_token, first.refresh_token);
    assert.equal((await getJson(server.url, '/v1/me', refreshed.body.access_token)).status, 200);
    const replay = await postForm(server.url, '/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token,
    });
    assert.equal(replay.status, 400);
    assert.equal(replay.body.error, 'invalid_grant');
    assert.match(replay.body.error_description, /already used/);
  });

  it('an expired access token is refused with a message that says so; refresh still works', async () => {
    const tokens = await signInBuiltIn(server.url, 'bob@example.com', 'bob password 1');
    now += 601_000;
    const expired = await getJson(server.url, '/v1/me', tokens.access_token);
    assert.equal(expired.status, 401);
    assert.match(expired.body.errors[0].message, /access token has expired/);
    const refreshed = await postForm(server.url, '/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
    });
    assert.equal(refreshed.status, 200);
  });

  it('logout (revoke) ends the session at once: access and refresh tokens are refused', async () => {
    const tokens = await signInBuiltIn(server.url, 'bob@example.com', 'bob password 1');
    assert.equal((await getJson(server.url, '/v1/me', tokens.access_token)).status, 200);
    const revoked = await postForm(server.url, '/oauth/revoke', { token: tokens.refresh_token });
    assert.equal(revoked.status, 200);
    const after = await getJson(server.url, '/v1/me', tokens.access_token);
    assert.equal(after.status, 401);
    assert.match(after.body.errors[0].message, /signed out/);
    const refresh = await postForm(server.url, '/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
    });
    assert.equal(refresh.body.error, 'invalid_grant');
    assert.equal(
      (await postForm(server.url, '/oauth/revoke', { token: 'garbage' })).status,
      200,
      'RFC 7009 §2.2',
    );
  });

  it('revoking with the access token ends the session too', async () => {
    const tokens = await signInBuiltIn(server.url, 'bob@example.com', 'bob password 1');
    await postForm(server.url, '/oauth/revoke', { token: tokens.access_token });
    assert.equal((await getJson(server.url, '/v1/me', tokens.access_token)).status, 401);
  });

  it("a disabled user's tokens stop working at once, and stay dead when the account is enabled again", async () => {
    await server.addUser('carol@example.com', 'carol password');
    const tokens = await signInBuiltIn(server.url, 'carol@example.com', 'carol password');
    const { setUserDisabled } = await import('../../../../server/src/app/sign-in/built-in-users.js');
    await setUserDisabled(server.services, server.accountId, 'carol@example.com', true, 'test');
    const refused = await getJson(server.url, '/v1/me', tokens.access_token);
    assert.equal(refused.status, 401);
    assert.match(refused.body.errors[0].message, /this account is disabled/);
    const refresh = await postForm(server.url, '/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
    });
    assert.equal(refresh.body.error, 'invalid_grant');
    const started = await startDevice(server.url);
    await assert.rejects(
      decideDeviceCode(started.verification_uri_complete, {
        email: 'carol@example.com',
        password: 'carol password',
      }),
      /this account is disabled/,
    );
    await setUserDisabled(server.services, server.accountId, 'carol@example.com', false, 'test');
    const after = await getJson(server.url, '/v1/me', tokens.access_token);
    assert.equal(after.status, 401, 'disabling ended the sign-in; enabling does not bring it back');
    assert.match(after.body.errors[0].message, /this sign-in has ended/);
    const again = await postForm(server.url, '/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
    });
    assert.equal(again.body.error, 'invalid_grant');
    const fresh = await signInBuiltIn(server.url, 'carol@example.com', 'carol password');
    assert.equal((await getJson(server.url, '/v1/me', fresh.access_token)).status, 200);
  });

  it('refuses malformed, foreign and missing access tokens, and API tokens, with clear messages', async () => {
    const cases: [string | undefined, RegExp][] = [
      [undefined, /not signed in: run "latchkey login"/],
      ['garbage', /malformed access token/],
      [server.adminToken, /malformed access token/],
      [
        // A well-formed EdDSA JWT signed by some other key.
        'eyJhbGciOiJFZERTQSIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJ4In0.' + 'A'.repeat(86),
        /signature does not verify|malformed access token/,
      ],
    ];
    for (const [token, message] of cases) {
      const answer = await getJson(server.url, '/v1/me', token);
      assert.equal(answer.status, 401, String(token));
      assert.match(answer.body.errors[0].message, message);
    }
    const tokens = await signInBuiltIn(server.url, 'bob@example.com', 'bob password 1');
    const onAdminApi = await server.call('GET', `${server.base}/infrastructure/targets`, {
      token: tokens.access_token,
    });
    assert.equal(onAdminApi.status, 401, 'a sign-in token is not an API token');
  });

  it('the device page escapes what it shows and sends strict headers', async () => {
    const response = await fetch(
      `${server.url}/device?user_code=${encodeURIComponent('<script>x</script>')}`,
    );
    const html = await response.text();
    assert.ok(!html.includes('<script>x'), 'no injected markup');
    assert.ok(html.includes('&lt;script&gt;'));
    assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.equal(response.headers.get('x-frame-options'), 'DENY');
  });
});
