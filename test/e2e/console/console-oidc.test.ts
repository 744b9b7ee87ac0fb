// Signing in to the console through an upstream OIDC provider, in Chromium against a real server and the
// real oidc-provider the sign-in tests use: the sign-in page offers "Sign in with Corp SSO" beside the
// built-in form; the provider's login and consent pages lead back to the console, signed in with the
// provider's groups (an ordinary sign-in session: audit event sign_in with the provider as login method;
// sign-out ends it); someone whose email is a built-in account's is refused with the reason.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { OpenIdClientProvider } from '../../../server/src/adapters/oidc/openid-client-provider.js';
import type { UpstreamIdentityProvider } from '../../../server/src/app/ports/upstream-identity-provider.js';
import { startOidcProvider } from '../../harness/index.js';
import type { RunningOidcProvider } from '../../harness/index.js';
import {
  ADMIN,
  ARTIFACTS,
  assertAccessible,
  assertConsolePage,
  cspViolations,
  inNewContext,
  useConsoleFixture,
} from './console-fixture.js';

const ADA = 'ada@corp.example';

describe('web console in Chromium: sign-in through an upstream OIDC provider', function () {
  this.timeout(120_000);
  const providers = new Map<string, UpstreamIdentityProvider>();
  const fixture = useConsoleFixture({ identityProviders: providers });
  let oidc: RunningOidcProvider;

  before(async () => {
    oidc = await startOidcProvider({
      accounts: [
        { subject: 'ada', email: ADA, groups: ['latchkey-admins'], amr: ['pwd', 'mfa'] },
        { subject: 'impostor', email: ADMIN, groups: ['latchkey-admins'] },
      ],
      clients: [
        {
          client_id: 'latchkey',
          client_secret: 'corp-secret',
          redirect_uris: [`${fixture.server.url}/console/oidc/callback`],
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
        scopes: ['openid', 'email', 'profile', 'groups'],
        claims: { email: 'email', groups: 'groups' },
        allowUnverifiedEmail: false,
      }),
    );
  });
  after(async () => oidc?.stop());

  /** From the console's sign-in page through the provider's login and consent pages. */
  async function signInAtProvider(page: Page, subject: string): Promise<void> {
    await page.getByRole('link', { name: 'Sign in with Corp SSO' }).click();
    await page.waitForURL((url) => url.origin === oidc.issuer);
    await page.locator('input[name=login]').fill(subject);
    await page.locator('input[name=password]').fill('any');
    await page.locator('button[type=submit]').click();
    await page.locator('input[name=prompt][value=consent]').waitFor({ state: 'attached' });
    await page.locator('button[type=submit]').click();
  }

  it('signs a person in with the provider, with the provider’s groups; sign-out ends it', async () => {
    await inNewContext(fixture, async ({ context, page }) => {
      const violations = cspViolations(page);
      const html = await assertConsolePage(await page.goto('/console/sign-in'), 'sign-in with a provider');
      assert.match(html, /Sign in with Corp SSO/);
      assert.match(
        html,
        /<form class="stack" method="post" action="\/console\/sign-in">/,
        'and the built-in form',
      );
      await page.screenshot({ path: resolve(ARTIFACTS, 'sign-in-oidc.png'), fullPage: true });
      await assertAccessible(page, 'sign-in with a provider');

      await signInAtProvider(page, 'ada');
      await page.waitForURL(/\/console\/targets$/);
      assert.match(await page.locator('header .who').innerText(), new RegExp(`Signed in as ${ADA}`));
      const cookie = (await context.cookies()).find((candidate) => candidate.name === 'latchkey-console');
      assert.ok(cookie, 'the ordinary console session cookie');
      assert.equal(cookie.sameSite, 'Strict');
      assert.equal(cookie.httpOnly, true);
      assert.equal(
        (await context.cookies()).some((candidate) => candidate.name === 'latchkey-console-oidc'),
        false,
        'the pending login is cleared',
      );
      const signIns = await fixture.server.call('GET', '/v1/audit?action=sign_in');
      const event = signIns.body.result.find(
        (candidate: { actor: string }) => candidate.actor === `user:${ADA}`,
      );
      assert.equal(event.after.login_method, 'corp');
      assert.equal(event.after.client_id, 'latchkey-console');
      // An admin by the provider's groups: the admin pages open.
      assert.equal((await page.goto('/console/apps'))?.status(), 200);

      await Promise.all([
        page.waitForURL(/\/console\/sign-in$/),
        page.getByRole('button', { name: 'Sign out' }).click(),
      ]);
      await page.goto('/console/targets');
      assert.match(page.url(), /\/console\/sign-in$/, 'signed out');
      assert.deepEqual(violations, [], 'no CSP violation');
    });
  });

  it('refuses someone whose email is a built-in account’s, saying why', async () => {
    await inNewContext(fixture, async ({ context, page }) => {
      await page.goto('/console/sign-in');
      const [refused] = await Promise.all([
        page.waitForResponse((response) => response.url().includes('/console/oidc/callback')),
        signInAtProvider(page, 'impostor'),
      ]);
      assert.equal(refused.status(), 401);
      assert.match(await page.getByRole('alert').innerText(), /already belongs to a built-in account/);
      assert.equal(
        (await context.cookies()).some((candidate) => candidate.name === 'latchkey-console'),
        false,
      );
      await assertAccessible(page, 'sign-in refused (provider)');
    });
  });

  it('a callback without this browser’s pending login is refused', async () => {
    await inNewContext(fixture, async ({ page }) => {
      const answer = await page.goto('/console/oidc/callback?code=stolen&state=whatever');
      assert.equal(answer?.status(), 401);
      assert.match(await page.getByRole('alert').innerText(), /expired or was started in another browser/);
    });
  });
});
