import assert from 'node:assert/strict';
import { isLatchkeyError } from '@latchkey/shared';
import type { ErrorCode } from '@latchkey/shared';
import {
  OpenIdClientProvider,
  discoverUpstreamProviders,
} from '../../../../../server/src/adapters/oidc/openid-client-provider.js';
import type { OidcProviderSettings } from '../../../../../server/src/adapters/oidc/openid-client-provider.js';
import { findFreePort, isPortFree, startOidcProvider } from '../../../../harness/index.js';
import type { OidcTestAccount, RunningOidcProvider } from '../../../../harness/index.js';

const REDIRECT_URI = 'http://127.0.0.1:1/device/callback';
const CLIENT = { client_id: 'latchkey', client_secret: 'the-right-secret', redirect_uris: [REDIRECT_URI] };

const ANN: OidcTestAccount = {
  subject: 'ann-123',
  email: 'Ann@Example.COM',
  groups: ['ops', 'dev'],
  amr: ['pwd', 'otp'],
  extraClaims: { name: 'Ann Example' },
};
const BOB: OidcTestAccount = { subject: 'bob-456', email: 'bob@example.com', groups: 'ops' };
const EVE: OidcTestAccount = { subject: 'eve-789', email: 'eve@example.com', email_verified: false };

function settingsFor(issuer: string, overrides: Partial<OidcProviderSettings> = {}): OidcProviderSettings {
  return {
    id: 'corp',
    name: 'Corp SSO',
    issuer,
    clientId: CLIENT.client_id,
    clientSecret: CLIENT.client_secret,
    scopes: ['openid', 'email', 'profile', 'groups'],
    claims: { email: 'email', groups: 'groups' },
    allowUnverifiedEmail: false,
    ...overrides,
  };
}

async function rejectsWith(promise: Promise<unknown>, code: ErrorCode, message: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isLatchkeyError(error), `not a LatchkeyError: ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.match(error.message, message);
    return true;
  });
}

describe('OpenIdClientProvider against a real OIDC provider (oidc-provider)', function () {
  let oidc: RunningOidcProvider;

  before(async () => {
    oidc = await startOidcProvider({ accounts: [ANN, BOB, EVE], clients: [CLIENT] });
  });
  after(async () => {
    await oidc?.stop();
  });

  it('signs in with code + PKCE and maps email (lowercased), groups, amr and every claim', async () => {
    const provider = new OpenIdClientProvider(settingsFor(oidc.issuer));
    const { authorizationUrl, pending } = await provider.beginLogin(REDIRECT_URI);

    const url = new URL(authorizationUrl);
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(url.searchParams.get('state'), pending.state);
    assert.equal(url.searchParams.get('nonce'), pending.nonce);
    assert.equal(url.searchParams.get('scope'), 'openid email profile groups');
    assert.equal(pending.providerId, 'corp');
    assert.equal(pending.redirectUri, REDIRECT_URI);
    assert.deepEqual(JSON.parse(JSON.stringify(pending)), pending);

    const callback = await oidc.signIn(authorizationUrl, ANN.subject);
    assert.ok(callback.searchParams.get('code'));
    const identity = await provider.completeLogin(callback, pending);
    assert.equal(identity.providerId, 'corp');
    assert.equal(identity.subject, 'ann-123');
    assert.equal(identity.email, 'ann@example.com');
    assert.deepEqual(identity.groups, ['ops', 'dev']);
    assert.deepEqual(identity.authMethods, ['pwd', 'otp']);
    assert.equal(identity.claims.name, 'Ann Example');
    assert.equal(identity.claims.email_verified, true);
    assert.equal(identity.claims.iss, oidc.issuer);
    assert.equal(identity.claims.nonce, pending.nonce);
  });

  it('makes a single-string groups claim one group and defaults auth methods to pwd', async () => {
    const provider = new OpenIdClientProvider(settingsFor(oidc.issuer));
    const { authorizationUrl, pending } = await provider.beginLogin(REDIRECT_URI);
    const identity = await provider.completeLogin(await oidc.signIn(authorizationUrl, BOB.subject), pending);
    assert.deepEqual(identity.groups, ['ops']);
    assert.deepEqual(identity.authMethods, ['pwd']);
  });

  it('reads the groups and email from the claims the config names', async () => {
    const provider = new OpenIdClientProvider(
      settingsFor(oidc.issuer, { claims: { email: 'email', groups: 'no_such_claim' } }),
    );
    const { authorizationUrl, pending } = await provider.beginLogin(REDIRECT_URI);
    const identity = await provider.completeLogin(await oidc.signIn(authorizationUrl, ANN.subject), pending);
    assert.deepEqual(identity.groups, []);

    const other = new OpenIdClientProvider(
      settingsFor(oidc.issuer, { claims: { email: 'mail', groups: 'groups' } }),
    );
    const second = await other.beginLogin(REDIRECT_URI);
    await rejectsWith(
      other.completeLogin(await oidc.signIn(second.authorizationUrl, ANN.subject), second.pending),
      'unauthenticated',
      /Corp SSO did not say your email: its ID token has no "mail" claim/,
    );
  });

  it("refuses a callback whose state is not the pending login's", async () => {
    const provider = new OpenIdClientProvider(settingsFor(oidc.issuer));
    const first = await provider.beginLogin(REDIRECT_URI);
    const second = await provider.beginLogin(REDIRECT_URI);
    const callback = await oidc.signIn(first.authorizationUrl, ANN.subject);
    await rejectsWith(
      provider.completeLogin(callback, second.pending),
      'unauthenticated',
      /state that does not match/,
    );
  });

  it('refuses when the person denies access at the provider', async () => {
    const provider = new OpenIdClientProvider(settingsFor(oidc.issuer));
    const { authorizationUrl, pending } = await provider.beginLogin(REDIRECT_URI);
    oidc.denyNext();
    const callback = await oidc.signIn(authorizationUrl, ANN.subject);
    assert.equal(callback.searchParams.get('error'), 'access_denied');
    await rejectsWith(
      provider.completeLogin(callback, pending),
      'unauthenticated',
      /Corp SSO did not sign you in \(access_denied: End-User aborted interaction\)/,
    );
  });

  it('refuses a wrong client secret with a message that says which setting to check', async () => {
    const provider = new OpenIdClientProvider(settingsFor(oidc.issuer, { clientSecret: 'a-wrong-secret' }));
    const { authorizationUrl, pending } = await provider.beginLogin(REDIRECT_URI);
    const callback = await oidc.signIn(authorizationUrl, ANN.subject);
    await rejectsWith(
      provider.completeLogin(callback, pending),
      'upstream_unavailable',
      /Corp SSO rejected Latchkey's client credentials \(invalid_client\); check client_id and client_secret/,
    );
  });

  it('refuses an email the provider says is not verified, unless allow_unverified_email', async () => {
    const strict = new OpenIdClientProvider(settingsFor(oidc.issuer));
    const first = await strict.beginLogin(REDIRECT_URI);
    await rejectsWith(
      strict.completeLogin(await oidc.signIn(first.authorizationUrl, EVE.subject), first.pending),
      'unauthenticated',
      /Corp SSO says your email eve@example.com is not verified/,
    );

    const lenient = new OpenIdClientProvider(settingsFor(oidc.issuer, { allowUnverifiedEmail: true }));
    const second = await lenient.beginLogin(REDIRECT_URI);
    const identity = await lenient.completeLogin(
      await oidc.signIn(second.authorizationUrl, EVE.subject),
      second.pending,
    );
    assert.equal(identity.email, 'eve@example.com');
  });

  it('refuses a code that was already exchanged', async () => {
    const provider = new OpenIdClientProvider(settingsFor(oidc.issuer));
    const { authorizationUrl, pending } = await provider.beginLogin(REDIRECT_URI);
    const callback = await oidc.signIn(authorizationUrl, ANN.subject);
    await provider.completeLogin(callback, pending);
    await rejectsWith(provider.completeLogin(callback, pending), 'unauthenticated', /invalid_grant/);
  });
});

describe('OpenIdClientProvider discovery', () => {
  it('fails a login with upstream_unavailable while the provider is down, and works once it is up', async () => {
    const port = await findFreePort('127.0.0.1');
    const issuer = `http://127.0.0.1:${port}`;
    const failures: string[] = [];
    const [provider] = await discoverUpstreamProviders([settingsFor(issuer)], {
      onDiscoveryFailure: (failed, error) => failures.push(`${failed.id}: ${error.code}`),
    });
    assert.ok(provider);
    assert.deepEqual(failures, ['corp: upstream_unavailable']);
    assert.equal(provider.discovered, false);
    await rejectsWith(
      provider.beginLogin(REDIRECT_URI),
      'upstream_unavailable',
      new RegExp(
        `Corp SSO \\(${issuer}\\) cannot be used for sign-in now: its OpenID Connect discovery failed`,
      ),
    );

    const oidc = await startOidcProvider({ accounts: [ANN], clients: [CLIENT], port });
    try {
      const { authorizationUrl, pending } = await provider.beginLogin(REDIRECT_URI);
      assert.equal(provider.discovered, true);
      const identity = await provider.completeLogin(
        await oidc.signIn(authorizationUrl, ANN.subject),
        pending,
      );
      assert.equal(identity.email, 'ann@example.com');
    } finally {
      await oidc.stop();
    }
  });

  it('discovers at start-up when the provider is up', async () => {
    const oidc = await startOidcProvider({ accounts: [], clients: [CLIENT] });
    const [provider] = await discoverUpstreamProviders([settingsFor(oidc.issuer)]);
    assert.equal(provider?.discovered, true);
    await oidc.stop();
  });
});

describe('startOidcProvider', () => {
  it('frees its port on stop(), so a provider can start there again', async () => {
    const oidc = await startOidcProvider({ accounts: [ANN], clients: [CLIENT] });
    assert.equal(await isPortFree('127.0.0.1', oidc.port), false);
    // An open keep-alive connection must not keep the server alive.
    await (await fetch(`${oidc.issuer}/.well-known/openid-configuration`)).json();
    await oidc.stop();
    assert.equal(await isPortFree('127.0.0.1', oidc.port), true);
    const again = await startOidcProvider({ accounts: [ANN], clients: [CLIENT], port: oidc.port });
    assert.equal(again.issuer, oidc.issuer);
    await again.stop();
    await oidc.stop(); // idempotent
  });
});

describe('OpenIdClientProvider when the provider goes away mid-login', () => {
  it('fails the code exchange with upstream_unavailable', async () => {
    const oidc = await startOidcProvider({ accounts: [ANN], clients: [CLIENT] });
    const provider = new OpenIdClientProvider(settingsFor(oidc.issuer));
    const { authorizationUrl, pending } = await provider.beginLogin(REDIRECT_URI);
    const callback = await oidc.signIn(authorizationUrl, ANN.subject);
    await oidc.stop();
    await rejectsWith(
      provider.completeLogin(callback, pending),
      'upstream_unavailable',
      /Corp SSO could not be reached to complete the sign-in \(fetch failed: (?:ECONNREFUSED|UND_ERR_SOCKET)\); try again later/,
    );
  });
});
