// Issue 13, "the CA and keys" and input checks, over the real HTTP app: RSA subject keys under 2048 bits
// and the CA's own key are refused in certificate requests; hostnames with empty labels are refused
// everywhere a hostname is taken; an unauthenticated request with a bad body gets 401, never 400.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { parseSshPublicKey } from '@latchkey/shared';
import { firstTokens, startSession } from '../../../server/src/app/sign-in/sign-in-sessions.js';
import { rsaModulusBits } from '../../../server/src/domain/subject-key-policy.js';
import { RSA_2048_PUBLIC_KEY } from '../../support/fixed-keys.js';
import { startTestServer } from '../support/test-server.js';
import type { TestServer } from '../support/test-server.js';

/** An OpenSSH public key line of an RSA key of `bits` (node makes keys OpenSSH's minimum would refuse). */
function rsaPublicKeyLine(bits: number): string {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  const jwk = publicKey.export({ format: 'jwk' });
  const mpint = (b64url: string) => {
    let bytes = Buffer.from(b64url, 'base64url');
    if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
    return bytes;
  };
  const field = (bytes: Buffer) =>
    Buffer.concat([Buffer.from([0, 0, 0, 0].map((_, i) => (bytes.length >>> (24 - 8 * i)) & 0xff)), bytes]);
  const blob = Buffer.concat([field(Buffer.from('ssh-rsa')), field(mpint(jwk.e!)), field(mpint(jwk.n!))]);
  return `ssh-rsa ${blob.toString('base64')}`;
}

describe('server HTTP: request hardening', function () {
  this.timeout(30_000);
  let server: TestServer;
  let caPublicKey: string;
  let targetId: string;
  let accessToken: string;

  before(async () => {
    server = await startTestServer();
    caPublicKey = (await server.call('POST', `${server.base}/access/gateway_ca`)).body.result.public_key;
    targetId = (
      await server.call('POST', `${server.base}/infrastructure/targets`, {
        body: { hostname: 'web-1', ip: { ipv4: { ip_addr: '10.3.0.1' } } },
      })
    ).body.result.id;
    await server.call('POST', `${server.base}/access/apps`, {
      body: {
        name: 'web',
        type: 'infrastructure',
        target_criteria: [{ target_attributes: { hostname: ['web-1'] }, port: 22, protocol: 'SSH' }],
        policies: [
          {
            name: 'everyone',
            decision: 'allow',
            include: [{ everyone: {} }],
            connection_rules: { ssh: { usernames: ['deploy'] } },
          },
        ],
      },
    });
    const session = await startSession(
      server.services,
      server.accountId,
      { email: 'ada@example.com', groups: [], loginMethod: 'corp', authMethods: ['pwd'], claims: {} },
      'latchkey-cli',
    );
    accessToken = (await firstTokens(server.services, session)).accessToken;
  });
  after(async () => server?.close());

  const certificate = (publicKey: string) =>
    server.call('POST', '/v1/me/certificates', {
      token: accessToken,
      body: { target_id: targetId, username: 'deploy', public_key: publicKey },
    });

  it('reads the modulus size of an RSA wire blob', () => {
    assert.equal(rsaModulusBits(parseSshPublicKey(rsaPublicKeyLine(1024)).blob), 1024);
    assert.equal(rsaModulusBits(parseSshPublicKey(RSA_2048_PUBLIC_KEY).blob), 2048);
  });

  it('refuses an RSA subject key under 2048 bits, and takes 2048', async () => {
    const weak = await certificate(rsaPublicKeyLine(1024));
    assert.equal(weak.status, 400, JSON.stringify(weak.body));
    assert.equal(weak.body.errors[0].source.pointer, '/public_key');
    assert.match(weak.body.errors[0].message, /RSA key of 1024 bits is too weak; use at least 2048 bits/);
    const fine = await certificate(RSA_2048_PUBLIC_KEY);
    assert.equal(fine.status, 200, JSON.stringify(fine.body));
  });

  it("refuses the CA's own public key as a subject key", async () => {
    const answer = await certificate(caPublicKey);
    assert.equal(answer.status, 400, JSON.stringify(answer.body));
    assert.match(answer.body.errors[0].message, /the account CA's own public key, which is never certified/);
    const events = await server.call('GET', '/v1/audit?action=certificate.issue');
    assert.ok(
      !events.body.result.some(
        (e: { after: { key_fingerprint: string } }) =>
          e.after.key_fingerprint === parseSshPublicKey(caPublicKey).fingerprint(),
      ),
    );
  });

  it('refuses hostnames with an empty label, for targets, apps and enrolments', async () => {
    const target = await server.call('POST', `${server.base}/infrastructure/targets`, {
      body: { hostname: 'a..b', ip: { ipv4: { ip_addr: '10.3.0.2' } } },
    });
    assert.equal(target.status, 400);
    assert.match(target.body.errors[0].message, /empty label/);
    const app = await server.call('POST', `${server.base}/access/apps`, {
      body: {
        name: 'bad',
        type: 'infrastructure',
        target_criteria: [{ target_attributes: { hostname: ['web..1'] }, port: 22, protocol: 'SSH' }],
        policies: [],
      },
    });
    assert.equal(app.status, 400);
    const join = await server.call('POST', `${server.base}/latchkey/join_tokens`, { body: { name: 'x' } });
    const enrolled = await server.call('POST', '/v1/agents/enroll', {
      token: null,
      body: { join_token: join.body.result.token, hostname: 'db..1', agent: { version: '1' } },
    });
    assert.equal(enrolled.status, 400);
    assert.equal(enrolled.body.errors[0].source.pointer, '/hostname');
  });

  it('an unauthenticated request with a bad body gets 401, not 400 (the body is not even read)', async () => {
    const cases: [string, string, unknown][] = [
      ['POST', '/v1/me/certificates', { nonsense: true }],
      ['POST', '/v1/me/certificates', '{not json'],
      ['POST', `${server.base}/infrastructure/targets`, { hostname: 'a..b' }],
      ['POST', `${server.base}/latchkey/people/sign_out`, { email: 42 }],
      ['POST', '/v1/agents/heartbeat', { version: 1 }],
      ['POST', '/v1/agents/reenroll', []],
    ];
    for (const [method, url, body] of cases) {
      const answer = await server.call(method as 'POST', url, {
        token: null,
        body,
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(answer.status, 401, `${method} ${url}: ${JSON.stringify(answer.body)}`);
    }
    const garbage = await server.call('POST', '/v1/me/certificates', {
      token: 'garbage',
      body: { nonsense: true },
    });
    assert.equal(garbage.status, 401);
  });
});
