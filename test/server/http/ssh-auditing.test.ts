import assert from 'node:assert/strict';
import { parseSshPublicKey } from '@latchkey/shared';
import { loadGatewayCaPrivateKey } from '../../../server/src/app/gateway-ca.js';
import { startTestServer } from '../support/test-server.js';
import type { TestServer } from '../support/test-server.js';

describe('server HTTP: gateway_ca and audit_ssh_settings', () => {
  let server: TestServer;
  let ca: string;
  let settings: string;

  beforeEach(async () => {
    server = await startTestServer();
    ca = `${server.base}/access/gateway_ca`;
    settings = `${server.base}/gateway/audit_ssh_settings`;
  });
  afterEach(async () => server?.close());

  it('POST (no body) creates an Ed25519 CA answering {id, public_key}; a second POST fails as Cloudflare does', async () => {
    const created = await server.call('POST', ca);
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.deepEqual(Object.keys(created.body.result).sort(), ['id', 'public_key']);
    assert.match(created.body.result.public_key, /^ssh-ed25519 AAAA[A-Za-z0-9+/=]+ latchkey-ssh-ca$/);
    assert.equal(parseSshPublicKey(created.body.result.public_key).algorithm, 'ed25519');

    const again = await server.call('POST', ca);
    assert.equal(again.status, 409);
    assert.equal(again.body.success, false);
    assert.equal(again.body.errors[0].message, 'access.api.error.gateway_ca_already_exists');
    assert.ok(again.body.errors[0].code >= 1000);

    const listed = await server.call('GET', ca);
    assert.deepEqual(listed.body, { success: true, errors: [], messages: [], result: [created.body.result] });

    const deleted = await server.call('DELETE', `${ca}/${created.body.result.id}`);
    assert.deepEqual(deleted.body.result, { id: created.body.result.id });
    assert.deepEqual((await server.call('GET', ca)).body.result, []);
    assert.equal((await server.call('DELETE', `${ca}/${created.body.result.id}`)).status, 404);
  });

  it('makes an ECDSA P-256 CA on request, by body or by query parameter', async () => {
    const byBody = await server.call('POST', ca, { body: { key_type: 'ecdsa-p256' } });
    assert.equal(byBody.status, 200);
    assert.match(byBody.body.result.public_key, /^ecdsa-sha2-nistp256 AAAA/);
    await server.call('DELETE', `${ca}/${byBody.body.result.id}`);
    const byQuery = await server.call('POST', `${ca}?key_type=ecdsa-p256`);
    assert.match(byQuery.body.result.public_key, /^ecdsa-sha2-nistp256 AAAA/);
    await server.call('DELETE', `${ca}/${byQuery.body.result.id}`);
    const bad = await server.call('POST', ca, { body: { key_type: 'rsa' } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.errors[0].source.pointer, '/key_type');
    const contradicting = await server.call('POST', `${ca}?key_type=ed25519`, {
      body: { key_type: 'ecdsa-p256' },
    });
    assert.equal(contradicting.status, 400);
    assert.deepEqual((await server.call('GET', ca)).body.result, []);
  });

  it('keeps the private key sealed: not in any response, not in clear in the store; it opens to the served public key', async () => {
    const created = (await server.call('POST', ca)).body.result;
    const stored = await server.store.gatewayCas.get(server.accountId);
    assert.ok(stored);
    const sealed = Buffer.from(stored.encryptedPrivateKey).toString('latin1');
    assert.ok(!sealed.includes('PRIVATE KEY'));
    const { privateKey } = await loadGatewayCaPrivateKey(server.services, server.accountId);
    const secretBase64 = privateKey
      .toPkcs8Pem()
      .split('\n')
      .filter((line) => !line.startsWith('-----'))
      .join('');
    assert.equal(privateKey.publicKey.toAuthorizedKey('latchkey-ssh-ca'), created.public_key);
    assert.ok(parseSshPublicKey(created.public_key).equals(privateKey.publicKey));
    assert.ok(!sealed.includes(secretBase64));
    // Nothing the API serves contains private material.
    for (const url of [ca, '/v1/audit']) {
      const text = JSON.stringify((await server.call('GET', url)).body);
      assert.ok(!text.includes('PRIVATE'), url);
      assert.ok(!text.includes(secretBase64.slice(-24)), url);
    }
  });

  it('a sealed key moved to another account does not open', async () => {
    await server.call('POST', ca);
    const stored = await server.store.gatewayCas.get(server.accountId);
    await assert.rejects(
      server.services.caKeys.open(
        stored!.encryptedPrivateKey,
        `latchkey gateway_ca v1\naccount other\npublic key x`,
      ),
      /integrity/,
    );
  });

  it('audit_ssh_settings: GET before any PUT is logging off; PUT a 32-byte key; "" turns it off; seed_id changes', async () => {
    const initial = await server.call('GET', settings);
    assert.equal(initial.status, 200);
    assert.deepEqual(Object.keys(initial.body.result).sort(), [
      'created_at',
      'public_key',
      'seed_id',
      'updated_at',
    ]);
    assert.equal(initial.body.result.public_key, '');

    const key = Buffer.alloc(32, 9).toString('base64');
    const put = await server.call('PUT', settings, { body: { public_key: key } });
    assert.equal(put.status, 200);
    assert.equal(put.body.result.public_key, key);
    assert.match(put.body.result.seed_id, /^[0-9a-f-]{36}$/);
    assert.deepEqual((await server.call('GET', settings)).body.result, put.body.result);

    const off = await server.call('PUT', settings, { body: { public_key: '' } });
    assert.equal(off.body.result.public_key, '');
    assert.notEqual(off.body.result.seed_id, put.body.result.seed_id);
    assert.equal(off.body.result.created_at, put.body.result.created_at);
  });

  const badKeys: [string, unknown, string, RegExp][] = [
    ['31 bytes', Buffer.alloc(31, 1).toString('base64'), '/public_key', /31 bytes/],
    ['33 bytes', Buffer.alloc(33, 1).toString('base64'), '/public_key', /33 bytes/],
    ['not base64', 'not base64 at all!!', '/public_key', /not base64/],
    ['base64url alphabet', Buffer.alloc(32, 0xfb).toString('base64url'), '/public_key', /not base64/],
    [
      'unpadded base64',
      Buffer.alloc(32, 1).toString('base64').replace(/=+$/, ''),
      '/public_key',
      /not base64/,
    ],
    ['a number', 5, '/public_key', /string/],
  ];
  for (const [what, value, pointer, message] of badKeys) {
    it(`audit_ssh_settings refuses ${what}, keeping the old key`, async () => {
      const key = Buffer.alloc(32, 3).toString('base64');
      await server.call('PUT', settings, { body: { public_key: key } });
      const response = await server.call('PUT', settings, { body: { public_key: value } });
      assert.equal(response.status, 400, JSON.stringify(response.body));
      assert.equal(response.body.errors[0].source.pointer, pointer);
      assert.match(response.body.errors[0].message, message);
      assert.equal((await server.call('GET', settings)).body.result.public_key, key);
    });
  }

  it('audit_ssh_settings refuses a missing public_key and unknown fields', async () => {
    assert.equal(
      (await server.call('PUT', settings, { body: {} })).body.errors[0].source.pointer,
      '/public_key',
    );
    const extra = await server.call('PUT', settings, { body: { public_key: '', seed_id: 'x' } });
    assert.equal(extra.body.errors[0].source.pointer, '/seed_id');
  });
});
