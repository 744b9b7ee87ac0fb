// Issue 13, "behind a proxy": with --trusted-proxy the client address comes from X-Forwarded-For (the
// rightmost untrusted hop) when the peer is a trusted proxy, and `ip` policy rules, sign-in rate limits
// and audit events use it; without it, X-Forwarded-For is ignored, so a client cannot claim an address.
import assert from 'node:assert/strict';
import { generateSshKeyPair } from '@latchkey/shared';
import { firstTokens, startSession } from '../../../server/src/app/sign-in/sign-in-sessions.js';
import { startTestServer } from '../support/test-server.js';
import type { Json, TestServer } from '../support/test-server.js';

async function setUp(trustedProxies?: string[]) {
  const server = await startTestServer({
    ...(trustedProxies === undefined ? {} : { trustedProxies }),
    signInLimits: {
      passwordPerAddress: { burst: 2, perMinute: 1 },
      passwordPerAccount: { burst: 100, perMinute: 100 },
    },
  });
  const admin = async (path: string, body: unknown) => {
    const answer = await server.call('POST', `${server.base}${path}`, { body });
    assert.ok(answer.status < 300, JSON.stringify(answer.body));
    return answer.body.result;
  };
  await admin('/access/gateway_ca', {});
  const target = await admin('/infrastructure/targets', {
    hostname: 'office-only',
    ip: { ipv4: { ip_addr: '10.8.0.1' } },
  });
  await admin('/access/apps', {
    name: 'from the office',
    type: 'infrastructure',
    target_criteria: [{ target_attributes: { hostname: ['office-only'] }, port: 22, protocol: 'SSH' }],
    policies: [
      {
        name: 'office network',
        decision: 'allow',
        include: [{ email_domain: { domain: 'example.com' } }],
        require: [{ ip: { ip: '203.0.113.0/24' } }],
        connection_rules: { ssh: { usernames: ['deploy'] } },
      },
    ],
  });
  const session = await startSession(
    server.services,
    server.accountId,
    { email: 'ada@example.com', groups: [], loginMethod: 'corp', authMethods: ['pwd'], claims: {} },
    'latchkey-cli',
  );
  const { accessToken } = await firstTokens(server.services, session);
  const certificate = (forwardedFor: string) =>
    server.call('POST', '/v1/me/certificates', {
      token: accessToken,
      headers: { 'x-forwarded-for': forwardedFor },
      body: {
        target_id: target.id,
        username: 'deploy',
        public_key: generateSshKeyPair('ed25519').publicKey.toAuthorizedKey(),
      },
    });
  const lastEvent = async (action: string) =>
    ((await server.call('GET', `/v1/audit?action=${action}`)).body.result as Json[])[0];
  return { server, certificate, lastEvent };
}

/** The device page's password POST through inject (the peer is 127.0.0.1), with X-Forwarded-For. */
async function wrongPassword(server: TestServer, userCode: string, forwardedFor: string) {
  const answer = await server.app.inject({
    method: 'POST',
    url: '/device/password',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': forwardedFor },
    payload: new URLSearchParams({
      user_code: userCode,
      email: 'nobody@example.com',
      password: 'x',
    }).toString(),
  });
  return answer.statusCode;
}

async function userCode(server: TestServer): Promise<string> {
  const answer = await server.app.inject({
    method: 'POST',
    url: '/oauth/device_authorization',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'client_id=latchkey-cli',
  });
  return JSON.parse(answer.body).user_code;
}

describe('server HTTP: behind a trusted proxy', function () {
  this.timeout(30_000);
  let ctx: Awaited<ReturnType<typeof setUp>>;

  before(async () => {
    ctx = await setUp(['127.0.0.1/32']);
  });
  after(async () => ctx?.server.close());

  it('`ip` rules and the audit log see the client that the trusted proxy names', async () => {
    const allowed = await ctx.certificate('198.51.100.99, 203.0.113.5');
    assert.equal(allowed.status, 200, JSON.stringify(allowed.body));
    assert.equal((await ctx.lastEvent('certificate.issue')).after.client_ip, '203.0.113.5');
    const denied = await ctx.certificate('203.0.113.5, 198.51.100.7');
    assert.equal(denied.status, 403, 'the rightmost untrusted hop, not what the client wrote on the left');
    assert.equal((await ctx.lastEvent('certificate.deny')).after.client_ip, '198.51.100.7');
  });

  it('sign-in rate limits are per client address, and failures are audited with it', async () => {
    const code = await userCode(ctx.server);
    assert.deepEqual(
      [
        await wrongPassword(ctx.server, code, '192.0.2.1'),
        await wrongPassword(ctx.server, code, '192.0.2.1'),
        await wrongPassword(ctx.server, code, '192.0.2.1'),
        await wrongPassword(ctx.server, code, '192.0.2.2'),
      ],
      [401, 401, 429, 401],
    );
    assert.equal((await ctx.lastEvent('sign_in.failed')).after.client_ip, '192.0.2.2');
  });
});

describe('server HTTP: without trusted proxies X-Forwarded-For is ignored', function () {
  this.timeout(30_000);
  let ctx: Awaited<ReturnType<typeof setUp>>;

  before(async () => {
    ctx = await setUp();
  });
  after(async () => ctx?.server.close());

  it('a client cannot claim an address: the `ip` rule sees the peer', async () => {
    const denied = await ctx.certificate('203.0.113.5');
    assert.equal(denied.status, 403, JSON.stringify(denied.body));
    assert.equal((await ctx.lastEvent('certificate.deny')).after.client_ip, '127.0.0.1');
  });

  it('nor dodge the rate limit per address', async () => {
    const code = await userCode(ctx.server);
    assert.deepEqual(
      [
        await wrongPassword(ctx.server, code, '192.0.2.1'),
        await wrongPassword(ctx.server, code, '192.0.2.2'),
        await wrongPassword(ctx.server, code, '192.0.2.3'),
      ],
      [401, 401, 429],
    );
  });
});
