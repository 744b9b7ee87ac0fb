// Issue 13, "upstream identity is the email string", with two real OIDC providers (oidc-provider, two
// issuers): people are (issuer, subject); an email counts only when it is exactly one address and the
// provider says it is verified; the same email from a second provider is refused (it is another person)
// unless an admin links it, so a second provider's account carrying the built-in admin's email gets
// nothing of the admin's; and domain rules can name the provider they trust.
import assert from 'node:assert/strict';
import { generateSshKeyPair } from '@latchkey/shared';
import { OpenIdClientProvider } from '../../../../server/src/adapters/oidc/openid-client-provider.js';
import type { UpstreamIdentityProvider } from '../../../../server/src/app/ports/upstream-identity-provider.js';
import { linkUpstreamIdentity } from '../../../../server/src/app/sign-in/upstream-identities.js';
import { startOidcProvider } from '../../../harness/index.js';
import type { OidcTestAccount, RunningOidcProvider } from '../../../harness/index.js';
import { pageMessage } from '../../../support/device-approval.js';
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

const CORP: OidcTestAccount[] = [
  { subject: 'ann', email: 'ann@corp.example' },
  { subject: 'carl', email: 'carl@corp.example' },
];
const PARTNER: OidcTestAccount[] = [
  // The attacker controls this provider (or an account at it) and picks any email they like.
  { subject: 'p-admin', email: 'Admin@Corp.example' },
  { subject: 'p-ann', email: 'ann@corp.example' },
  { subject: 'p-mallory', email: 'mallory@evil.example@corp.example' },
  { subject: 'p-unverified', email: 'dave@corp.example', email_verified: false },
  { subject: 'p-bob', email: 'bob@corp.example' },
];

describe('sign-in: two upstream issuers, people keyed by (issuer, subject)', function () {
  this.timeout(60_000);
  const providers = new Map<string, UpstreamIdentityProvider>();
  const issuers = new Map<string, RunningOidcProvider>();
  let server: TestServer;
  let targetId: string;

  async function admin(path: string, body: unknown): Promise<Json> {
    const answer = await server.call('POST', `${server.base}${path}`, { body });
    assert.ok(answer.status < 300, `${path}: ${JSON.stringify(answer.body)}`);
    return answer.body.result;
  }

  /** The device flow through provider `id` as `subject`: the tokens, or the page's refusal. */
  async function signInWith(id: string, subject: string): Promise<Tokens | { refused: string }> {
    const started = await startDevice(server.url);
    const start = await fetch(`${server.url}/device/oidc/start`, {
      method: 'POST',
      body: new URLSearchParams({ user_code: started.user_code, provider: id }),
      redirect: 'manual',
    });
    assert.equal(start.status, 303);
    const callback = await issuers.get(id)!.signIn(start.headers.get('location') ?? '', subject);
    const confirm = await fetch(callback);
    const html = await confirm.text();
    if (confirm.status !== 200) return { refused: pageMessage(html) };
    const confirmation = /name="confirmation" value="([^"]+)"/.exec(html)?.[1];
    const decided = await fetch(`${server.url}/device/oidc/decide`, {
      method: 'POST',
      body: new URLSearchParams({ confirmation: confirmation!, decision: 'approve' }),
    });
    assert.match(pageMessage(await decided.text()), /^Signed in as /);
    const polled = await pollDevice(server.url, started.device_code);
    assert.equal(polled.status, 200, JSON.stringify(polled.body));
    return polled.body as Tokens;
  }
  const tokensOf = (result: Tokens | { refused: string }): Tokens => {
    assert.ok(!('refused' in result), JSON.stringify(result));
    return result;
  };
  const usernames = async (tokens: Tokens) =>
    ((await getJson(server.url, '/v1/me/targets', tokens.access_token)).body.result as Json[]).flatMap(
      (t) => t.usernames,
    );

  before(async () => {
    server = await startTestServer({ listen: true, identityProviders: providers });
    for (const [id, name, accounts] of [
      ['corp', 'Corp SSO', CORP],
      ['partner', 'Partner IdP', PARTNER],
    ] as const) {
      const oidc = await startOidcProvider({
        accounts,
        clients: [
          {
            client_id: 'latchkey',
            client_secret: `${id}-secret`,
            redirect_uris: [`${server.url}/device/oidc/callback`],
          },
        ],
      });
      issuers.set(id, oidc);
      providers.set(
        id,
        new OpenIdClientProvider({
          id,
          name,
          issuer: oidc.issuer,
          clientId: 'latchkey',
          clientSecret: `${id}-secret`,
          scopes: ['openid', 'email', 'profile'],
          claims: { email: 'email', groups: 'groups' },
          allowUnverifiedEmail: false,
        }),
      );
    }
    await admin('/access/gateway_ca', {});
    targetId = (
      await admin('/infrastructure/targets', { hostname: 'prod-1', ip: { ipv4: { ip_addr: '10.4.0.1' } } })
    ).id;
    await admin('/access/apps', {
      name: 'prod',
      type: 'infrastructure',
      target_criteria: [{ target_attributes: { hostname: ['prod-1'] }, port: 22, protocol: 'SSH' }],
      policies: [
        {
          name: 'the admin as root',
          decision: 'allow',
          include: [{ email: { email: 'admin@corp.example' } }],
          connection_rules: { ssh: { usernames: ['root'] } },
        },
        {
          name: 'corp people through Corp SSO only',
          decision: 'allow',
          include: [{ email_domain: { domain: 'corp.example', identity_provider_id: 'corp' } }],
          connection_rules: { ssh: { usernames: ['deploy'] } },
        },
      ],
    });
    await server.addUser('admin@corp.example', 'the admin password');
  });
  after(async () => {
    for (const oidc of issuers.values()) await oidc.stop();
    await server?.close();
  });

  it('the built-in admin has the grants of their email', async () => {
    const tokens = await signInBuiltIn(server.url, 'admin@corp.example', 'the admin password');
    assert.deepEqual(await usernames(tokens), ['root']);
  });

  it("the attack: a second provider's account with the built-in admin's email gets nothing", async () => {
    const result = await signInWith('partner', 'p-admin');
    assert.ok('refused' in result, 'no sign-in at all');
    assert.match(
      result.refused,
      /the email admin@corp\.example already belongs to a built-in account .* latchkey-server user link admin@corp\.example --issuer http:\/\/127\.0\.0\.1:\d+ --subject p-admin/,
    );
    const events = await server.call('GET', '/v1/audit?action=sign_in.failed');
    const event = events.body.result.find((e: Json) => e.after.subject === 'p-admin');
    assert.equal(event.after.reason, 'email_in_use');
  });

  it('the attack: an email with two @ matches no domain rule; the sign-in is refused', async () => {
    const result = await signInWith('partner', 'p-mallory');
    assert.ok('refused' in result);
    assert.match(result.refused, /not exactly one plain email address/);
  });

  it('an email the provider does not say is verified is refused', async () => {
    const result = await signInWith('partner', 'p-unverified');
    assert.ok('refused' in result);
    assert.match(result.refused, /Partner IdP says your email dave@corp\.example is not verified/);
  });

  it('the same email from two providers is two people: the second is refused until an admin links it', async () => {
    const ann = tokensOf(await signInWith('corp', 'ann'));
    assert.deepEqual(await usernames(ann), ['deploy']);
    const again = tokensOf(await signInWith('corp', 'ann'));
    assert.equal(
      (await getJson(server.url, '/v1/me', again.access_token)).body.result.email,
      'ann@corp.example',
    );

    const impostor = await signInWith('partner', 'p-ann');
    assert.ok('refused' in impostor);
    assert.match(impostor.refused, /already belongs to a person who signs in with corp/);

    await linkUpstreamIdentity(
      server.services,
      server.accountId,
      { email: 'ann@corp.example', issuer: issuers.get('partner')!.issuer, subject: 'p-ann' },
      'test',
    );
    const linked = tokensOf(await signInWith('partner', 'p-ann'));
    const me = (await getJson(server.url, '/v1/me', linked.access_token)).body.result;
    assert.equal(me.email, 'ann@corp.example');
    assert.equal(me.login_method, 'partner');
    // The domain rule names Corp SSO: the linked partner sign-in is Ann, but not through Corp SSO.
    assert.deepEqual(await usernames(linked), []);
    const audit = await server.call('GET', '/v1/audit?action=user.link');
    assert.equal(audit.body.result[0].after.subject, 'p-ann');
  });

  it('a domain rule that names its provider does not match another provider’s people', async () => {
    const bob = tokensOf(await signInWith('partner', 'p-bob'));
    assert.deepEqual(await usernames(bob), [], 'bob@corp.example through Partner IdP is not Corp SSO');
    const carl = tokensOf(await signInWith('corp', 'carl'));
    assert.deepEqual(await usernames(carl), ['deploy']);
    const denied = await postJson(server.url, '/v1/me/certificates', bob.access_token, {
      target_id: targetId,
      username: 'deploy',
      public_key: generateSshKeyPair('ed25519').publicKey.toAuthorizedKey(),
    });
    assert.equal(denied.status, 403);
  });
});
