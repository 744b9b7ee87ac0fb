// Issue 16 end to end over HTTP: a signed-in person reaches the targets an app selects by tags in the rule
// form of target_criteria, exactly as with the flat form; an app whose mfa_config a password sign-in cannot
// satisfy refuses the certificate with a clear error, and counts again once mfa_disabled is set.
import assert from 'node:assert/strict';
import { generateSshKeyPair } from '@latchkey/shared';
import { startTestServer } from '../support/test-server.js';
import type { Json, TestServer } from '../support/test-server.js';
import { getJson, postJson, signInBuiltIn } from './sign-in-client.js';

describe('sign-in: rule-form target criteria, tags and mfa_config (issue 16)', () => {
  let server: TestServer;
  let ada: string;
  const ids: Record<string, string> = {};
  const publicKey = generateSshKeyPair('ed25519').publicKey.toAuthorizedKey();

  async function admin(method: 'POST' | 'PUT', path: string, body?: unknown): Promise<Json> {
    const answer = await server.call(method, `${server.base}${path}`, body === undefined ? {} : { body });
    assert.ok(answer.status < 300, `${method} ${path}: ${JSON.stringify(answer.body)}`);
    return answer.body.result;
  }
  const policies = [
    {
      name: 'example.com as deploy',
      decision: 'allow',
      include: [{ email_domain: { domain: 'example.com' } }],
      connection_rules: { ssh: { usernames: ['deploy'] } },
    },
  ];

  before(async () => {
    server = await startTestServer({ listen: true });
    await admin('POST', '/access/gateway_ca');
    for (const [hostname, ip, tags] of [
      ['web-1', '10.0.0.1', { env: 'prod', team: 'web' }],
      ['web-2', '10.0.0.2', { env: 'staging', team: 'web' }],
      ['db-1', '10.0.0.3', { env: 'prod', team: 'db' }],
      ['vault', '10.0.0.4', { env: 'prod', team: 'sec' }],
    ] as const) {
      ids[hostname] = (
        await admin('POST', '/infrastructure/targets', { hostname, ip: { ipv4: { ip_addr: ip } }, tags })
      ).id;
    }
    await admin('POST', '/access/apps', {
      name: 'prod but not db',
      type: 'infrastructure',
      target_criteria: [
        {
          include: { tags: { env: ['prod'] } },
          require: { tags: { team: ['web', 'db'] } },
          exclude: { target_attributes: { hostname: ['db-1'] } },
          port: 22,
          protocol: 'SSH',
        },
      ],
      policies,
    });
    ids.vaultApp = (
      await admin('POST', '/access/apps', {
        name: 'vault needs a hardware key',
        type: 'infrastructure',
        target_criteria: [{ target_attributes: { hostname: ['vault'] }, port: 22, protocol: 'SSH' }],
        mfa_config: { allowed_authenticators: ['ssh_fido2_key'] },
        policies,
      })
    ).id;
    await server.addUser('ada@example.com', 'ada password');
    ada = (await signInBuiltIn(server.url, 'ada@example.com', 'ada password')).access_token;
  });
  after(async () => server?.close());

  it('lists only what the rule form selects; the MFA app is not listed for a password sign-in', async () => {
    const answer = await getJson(server.url, '/v1/me/targets', ada);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual(
      answer.body.result.map((t: Json) => [t.hostname, t.usernames]),
      [['web-1', ['deploy']]],
    );
  });

  it('certificates follow the same decision; the MFA refusal names what is missing', async () => {
    const ask = (hostname: string) =>
      postJson(server.url, '/v1/me/certificates', ada, {
        public_key: publicKey,
        target_id: ids[hostname],
        username: 'deploy',
      });
    assert.equal((await ask('web-1')).status, 200);
    for (const hostname of ['web-2', 'db-1']) assert.equal((await ask(hostname)).status, 403, hostname);
    const vault = await ask('vault');
    assert.equal(vault.status, 403, JSON.stringify(vault.body));
    assert.equal(vault.body.errors[0].latchkey_code, 'access_denied');
    assert.match(vault.body.errors[0].message, /multi-factor/);
    assert.match(vault.body.errors[0].message, /hwk/);
    assert.match(vault.body.errors[0].message, /pwd/);

    await admin('PUT', `/access/apps/${ids.vaultApp}`, {
      name: 'vault needs a hardware key',
      type: 'infrastructure',
      target_criteria: [{ target_attributes: { hostname: ['vault'] }, port: 22, protocol: 'SSH' }],
      mfa_config: { allowed_authenticators: ['ssh_fido2_key'], mfa_disabled: true },
      policies,
    });
    assert.equal((await ask('vault')).status, 200, 'mfa_disabled lifts the requirement');
  });
});
