import assert from 'node:assert/strict';
import { ERROR_CODES } from '@latchkey/shared';
import { buildApp } from '../../../server/src/adapters/http/build-app.js';
import { createServices } from '../../../server/src/compose.js';
import { startTestServer } from '../support/test-server.js';
import type { Json, TestServer } from '../support/test-server.js';
import { PERMISSIONS } from '../../../server/src/domain/permissions.js';
import { hashApiTokenSecret } from '../../../server/src/domain/api-token-secret.js';

function assertFailureEnvelope(body: Json, code?: number): void {
  assert.deepEqual(Object.keys(body).sort(), ['errors', 'messages', 'result', 'success']);
  assert.equal(body.success, false);
  assert.equal(body.result, null);
  assert.deepEqual(body.messages, []);
  assert.ok(Array.isArray(body.errors) && body.errors.length === 1);
  assert.ok(Number.isInteger(body.errors[0].code) && body.errors[0].code >= 1000, JSON.stringify(body));
  assert.equal(typeof body.errors[0].message, 'string');
  if (code !== undefined) assert.equal(body.errors[0].code, code);
}

describe('server HTTP: envelope on every response, authentication', () => {
  let server: TestServer;
  /** How far the server's clock is ahead of the real one: expiry without waiting for it. */
  let clockAheadMs = 0;
  before(async () => {
    server = await startTestServer({ clock: () => new Date(Date.now() + clockAheadMs) });
  });
  afterEach(() => {
    clockAheadMs = 0;
  });
  after(async () => server?.close());

  it('404 for an unknown route: code 7003 "No route for the URI" (with or without a token)', async () => {
    for (const token of [undefined, null]) {
      const response = await server.call('GET', '/client/v4/nothing/here', { token });
      assert.equal(response.status, 404);
      assertFailureEnvelope(response.body, 7003);
      assert.equal(response.body.errors[0].message, 'No route for the URI');
    }
  });

  it('405 for a known path with another method, with an Allow header', async () => {
    const response = await server.call('PATCH', `${server.base}/infrastructure/targets`);
    assert.equal(response.status, 405);
    assertFailureEnvelope(response.body, 7001);
    assert.match(String(response.headers.allow), /GET/);
    assert.match(String(response.headers.allow), /POST/);
  });

  it('401 with the envelope for a missing, malformed, unknown, expired or revoked token', async () => {
    const url = `${server.base}/infrastructure/targets`;
    const expiring = await server.token([PERMISSIONS.zeroTrustRead], {
      expiresAt: new Date(Date.now() + 1500),
    });
    assert.equal((await server.call('GET', url, { token: expiring })).status, 200, 'valid until it expires');
    const revoked = await server.token([PERMISSIONS.zeroTrustRead]);
    const revokedRecord = await server.store.apiTokens.findByHash(hashApiTokenSecret(revoked));
    await server.store.apiTokens.revoke(server.accountId, revokedRecord!.id);
    clockAheadMs = 1600;
    const cases: [string, Record<string, string>, RegExp][] = [
      ['missing', {}, /missing API token/],
      ['malformed', { authorization: 'Basic abc' }, /malformed/],
      ['unknown', { authorization: 'Bearer lk_nope' }, /invalid API token/],
      ['expired', { authorization: `Bearer ${expiring}` }, /expired/],
      ['revoked', { authorization: `Bearer ${revoked}` }, /revoked/],
    ];
    for (const [what, headers, message] of cases) {
      const response = await server.call('GET', url, { token: null, headers });
      assert.equal(response.status, 401, `${what}: ${JSON.stringify(response.body)}`);
      assertFailureEnvelope(response.body, 10000);
      assert.match(response.body.errors[0].message, message, what);
    }
  });

  it('authentication comes before validation: a bad body without a token is 401', async () => {
    const response = await server.call('POST', `${server.base}/infrastructure/targets`, {
      token: null,
      body: [],
    });
    assert.equal(response.status, 401);
  });

  it('a validation error carries code >= 1000 and source.pointer', async () => {
    const response = await server.call('POST', `${server.base}/infrastructure/targets`, {
      body: { hostname: 'x' },
    });
    assert.equal(response.status, 400);
    assertFailureEnvelope(response.body);
    assert.equal(response.body.errors[0].source.pointer, '/ip');
  });

  it('an unsupported media type gets the envelope', async () => {
    const response = await server.call('POST', `${server.base}/infrastructure/targets`, {
      body: 'hostname=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(response.status, 415);
    assertFailureEnvelope(response.body);
  });

  it('success envelopes have exactly success, errors, messages, result (and result_info for lists)', async () => {
    const list = await server.call('GET', `${server.base}/infrastructure/targets`);
    assert.deepEqual(Object.keys(list.body).sort(), [
      'errors',
      'messages',
      'result',
      'result_info',
      'success',
    ]);
    const verify = await server.call('GET', '/client/v4/user/tokens/verify');
    assert.deepEqual(Object.keys(verify.body).sort(), ['errors', 'messages', 'result', 'success']);
    assert.equal(verify.body.result.status, 'active');
  });

  it('every status the error table maps to is a 4xx or 5xx', () => {
    for (const status of Object.values(ERROR_CODES)) assert.ok(status >= 400 && status < 600);
  });

  it('an unexpected failure is a 500 with the envelope and no internals', async () => {
    const store = server.store;
    const broken = new Proxy(store, {
      get(target, property, receiver) {
        if (property === 'targets') {
          return {
            ...target.targets,
            list: () => Promise.reject(new Error('secret internals: disk on fire')),
          };
        }
        return Reflect.get(target, property, receiver);
      },
    });
    const { app } = await buildApp(await createServices({ store: broken, caKeys: server.services.caKeys }));
    try {
      const response = await app.inject({
        method: 'GET',
        url: `${server.base}/infrastructure/targets`,
        headers: { authorization: `Bearer ${server.adminToken}` },
      });
      assert.equal(response.statusCode, 500);
      const body = JSON.parse(response.body);
      assertFailureEnvelope(body, 1000);
      assert.ok(!response.body.includes('disk on fire'));
    } finally {
      await app.close();
    }
  });
});
