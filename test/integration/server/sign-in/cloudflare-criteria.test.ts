// Issue 16 end to end over HTTP: a signed-in person reaches the targets an app selects by tags in the rule
// form of target_criteria, exactly as with the flat form; an app whose mfa_config a password sign-in cannot
// satisfy refuses the certificate with a clear error, and counts again once mfa_disabled is set.
import assert from 'node:assert/strict';
import { generateSshKeyPair } from '@latchkey/shared';
import { OpenIdClientProvider } from '../../../../server/src/adapters/oidc/openid-client-provider.js';
import type { UpstreamIdentityProvider } from '../../../../server/src/app/ports/upstream-identity-provider.js';
import { startOidcProvider } from '../../../harness/index.js';
import type { RunningOidcProvider } from '../../../harness/index.js';
import { startTestServer } from '../../../server/support/test-server.js';
import type { Json, TestServer } from '../../../server/support/test-server.js';
import {
  getJson,
  pollDevice,
  postJson,
  signInBuiltIn,
  startDevice,
} from '../../../server/sign-in/sign-in-client.js';
import type { Tokens } from '../../../server/sign-in/sign-in-client.js';

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

// The MFA an upstream provider reports (its ID token's amr, set at login by the real oidc-provider), and
// mfa_config.session_duration: a certificate only while the authentication is recent enough.
describe('sign-in: mfa_config through a real OIDC provider (issue 16)', function () {
  this.timeout(60_000);
  const providers = new Map<string, UpstreamIdentityProvider>();
  let oidc: RunningOidcProvider;
  let server: TestServer;
  let vault: string;
  let offsetMs = 0;
  const publicKey = generateSshKeyPair('ed25519').publicKey.toAuthorizedKey();

  async function admin(path: string, body: unknown): Promise<Json> {
    const answer = await server.call('POST', `${server.base}${path}`, { body });
    assert.ok(answer.status < 300, `${path}: ${JSON.stringify(answer.body)}`);
    return answer.body.result;
  }

  /** The device flow through the provider as `subject`, approved. */
  async function signIn(subject: string): Promise<Tokens> {
    const started = await startDevice(server.url);
    const start = await fetch(`${server.url}/device/oidc/start`, {
      method: 'POST',
      body: new URLSearchParams({ user_code: started.user_code, provider: 'corp' }),
      redirect: 'manual',
    });
    assert.equal(start.status, 303);
    const callback = await oidc.signIn(start.headers.get('location') ?? '', subject);
    const confirm = await fetch(callback);
    const html = await confirm.text();
    assert.equal(confirm.status, 200, html);
    const confirmation = /name="confirmation" value="([^"]+)"/.exec(html)?.[1];
    const decided = await fetch(`${server.url}/device/oidc/decide`, {
      method: 'POST',
      body: new URLSearchParams({ confirmation: confirmation!, decision: 'approve' }),
    });
    assert.equal(decided.status, 200);
    const polled = await pollDevice(server.url, started.device_code);
    assert.equal(polled.status, 200, JSON.stringify(polled.body));
    return polled.body as Tokens;
  }
  const certificate = (tokens: Tokens) =>
    postJson(server.url, '/v1/me/certificates', tokens.access_token, {
      public_key: publicKey,
      target_id: vault,
      username: 'deploy',
    });

  before(async () => {
    server = await startTestServer({
      listen: true,
      identityProviders: providers,
      clock: () => new Date(Date.now() + offsetMs),
    });
    oidc = await startOidcProvider({
      accounts: [
        { subject: 'kim', email: 'kim@example.com', amr: ['hwk'] },
        { subject: 'pat', email: 'pat@example.com', amr: ['pwd'] },
      ],
      clients: [
        {
          client_id: 'latchkey',
          client_secret: 'corp-secret',
          redirect_uris: [`${server.url}/device/oidc/callback`],
        },
      ],
    });
    providers.set(
      'corp',
      new OpenIdClientProvider({
        id: 'corp',
        name: 'Corp SSO',
        issuer: oidc.issuer,
        clientId: 'latchkey',
        clientSecret: 'corp-secret',
        scopes: ['openid', 'email', 'profile'],
        claims: { email: 'email', groups: 'groups' },
        allowUnverifiedEmail: false,
      }),
    );
    await admin('/access/gateway_ca', {});
    vault = (
      await admin('/infrastructure/targets', { hostname: 'vault', ip: { ipv4: { ip_addr: '10.0.0.4' } } })
    ).id;
    await admin('/access/apps', {
      name: 'vault needs a fresh hardware key',
      type: 'infrastructure',
      target_criteria: [{ target_attributes: { hostname: ['vault'] }, port: 22, protocol: 'SSH' }],
      mfa_config: { allowed_authenticators: ['ssh_fido2_key'], session_duration: '5m' },
      policies: [
        {
          name: 'example.com as deploy',
          decision: 'allow',
          include: [{ email_domain: { domain: 'example.com' } }],
          connection_rules: { ssh: { usernames: ['deploy'] } },
        },
      ],
    });
  });
  after(async () => {
    await oidc?.stop();
    await server?.close();
  });

  it('a hardware-key sign-in gets certificates for session_duration, then is told to sign in again', async () => {
    offsetMs = 0;
    const kim = await signIn('kim');
    assert.equal((await certificate(kim)).status, 200);

    // Six minutes later by the server's clock (the access token lives ten): past the app's 5m.
    offsetMs = 6 * 60_000;
    const late = await certificate(kim);
    assert.equal(late.status, 403, JSON.stringify(late.body));
    assert.equal(late.body.errors[0].latchkey_code, 'access_denied');
    assert.match(late.body.errors[0].message, /at most 5m ago/);
    assert.match(late.body.errors[0].message, /this sign-in's authentication was 6m\d+s ago: sign in again/);
    const denials = await server.store.auditEvents.list(server.accountId, { action: 'certificate.deny' });
    assert.deepEqual(
      denials.items.map((e) => (e.after as Json).reason),
      ['mfa_session_expired'],
    );

    // What counts is when the provider authenticated the person (the ID token's auth_time), not when the
    // sign-in started: with the server's clock still 6 minutes ahead of the provider's, a new sign-in's
    // authentication is also 6 minutes old; with the clocks together again, a new sign-in is fresh.
    const skewed = await certificate(await signIn('kim'));
    assert.equal(skewed.status, 403, JSON.stringify(skewed.body));
    assert.match(skewed.body.errors[0].message, /was 6m\d+s ago/);
    offsetMs = 0;
    const fresh = await certificate(await signIn('kim'));
    assert.equal(fresh.status, 200, JSON.stringify(fresh.body));
  });

  it('a password sign-in at the same provider is refused: the message names the amr wanted and seen', async () => {
    offsetMs = 0;
    const pat = await signIn('pat');
    const me = await getJson(server.url, '/v1/me', pat.access_token);
    assert.deepEqual(me.body.result.auth_methods, ['pwd'], JSON.stringify(me.body));
    const refused = await certificate(pat);
    assert.equal(refused.status, 403, JSON.stringify(refused.body));
    assert.equal(refused.body.errors[0].latchkey_code, 'access_denied');
    assert.equal(
      refused.body.errors[0].message,
      'app vault needs a fresh hardware key requires a multi-factor sign-in (amr hwk); ' +
        "this sign-in's methods are pwd: sign in again through an identity provider that reports it",
    );
    const denials = await server.store.auditEvents.list(server.accountId, { action: 'certificate.deny' });
    const patDenials = denials.items.filter((e) => e.actor.includes('pat@example.com'));
    assert.deepEqual(
      patDenials.map((e) => (e.after as Json).reason),
      ['mfa_required'],
    );
  });
});
