// The console's API tokens page in Chromium against a real server: a refused expiry shown at its field
// (the same message as `latchkey-server token create --expires`), a token made with its secret shown once
// and working against the API, its revocation refusing it at once; every change audited with the person.
// Someone with only "Account API Tokens: Edit" cannot give a token more than that.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import {
  ADMIN,
  ARTIFACTS,
  PASSWORD,
  assertAccessible,
  assertActor,
  assertConsolePage,
  assertLabelled,
  inConsole,
  useConsoleFixture,
} from './console-fixture.js';

const TOKEN_KEEPER = 'keeper@example.com';

describe('web console in Chromium: API tokens', function () {
  this.timeout(120_000);
  const fixture = useConsoleFixture();

  before(async () => {
    await fixture.server.addUser(TOKEN_KEEPER, PASSWORD, ['latchkey-permission:account-api-tokens-edit']);
  });

  it('makes a token (its secret shown once, and it works), refuses a bad expiry at its field, revokes', async () => {
    await inConsole(fixture, ADMIN, async ({ page }) => {
      await assertConsolePage(await page.goto('/console/api-tokens'), 'api tokens');
      await assertLabelled(page, 'api tokens');
      assert.match(await page.locator('tbody').innerText(), /admin/, 'the bootstrap admin token');
      await page.screenshot({ path: resolve(ARTIFACTS, 'api-tokens.png'), fullPage: true });
      await assertAccessible(page, 'api-tokens');

      await page.getByLabel('Name').fill('ci deploys');
      await page.getByLabel('Expires').fill('tomorrow');
      await page.getByLabel('Zero Trust: Read').check();
      const [refused] = await Promise.all([
        page.waitForResponse((response) => response.request().method() === 'POST'),
        page.getByRole('button', { name: 'Make the API token' }).click(),
      ]);
      assert.equal(refused.status(), 400);
      assert.equal(await page.getByLabel('Expires').getAttribute('aria-invalid'), 'true');
      assert.match(
        await page.locator('#f-expires-error').innerText(),
        /^Expires "tomorrow" is not valid: use a duration such as 30d/,
      );
      assert.equal(await page.getByLabel('Zero Trust: Read').isChecked(), true, 'the form keeps its choices');
      await page.screenshot({ path: resolve(ARTIFACTS, 'api-tokens-refused.png'), fullPage: true });
      await assertAccessible(page, 'api-tokens-refused');
      assert.equal(
        (await fixture.auditActions('api_token.create')).filter((e) => e.actor !== 'server:cli').length,
        0,
      );

      await page.getByLabel('Expires').fill('30d');
      const [made] = await Promise.all([
        page.waitForResponse((response) => response.request().method() === 'POST'),
        page.getByRole('button', { name: 'Make the API token' }).click(),
      ]);
      assert.equal(made.status(), 201);
      const secret = (await page.locator('#token-secret').innerText()).trim();
      const works = await fixture.server.call('GET', `${fixture.server.base}/infrastructure/targets`, {
        token: secret,
      });
      assert.equal(works.status, 200, 'the new token reads targets');
      const cannot = await fixture.server.call('GET', '/v1/audit', { token: secret });
      assert.equal(cannot.status, 403, 'and nothing more');
      await page.screenshot({ path: resolve(ARTIFACTS, 'api-token-made.png'), fullPage: true });
      await assertAccessible(page, 'api-token-made');
      const creates = await fixture.auditActions('api_token.create');
      assert.equal(creates[0]?.actor, `user:${ADMIN}`);

      const html = await assertConsolePage(await page.goto('/console/api-tokens'), 'listed');
      assert.ok(!html.includes(secret), 'the secret is shown once only');
      const row = page.locator('tbody tr').filter({ hasText: 'ci deploys' });
      assert.match(await row.innerText(), /Zero Trust: Read[\s\S]*active/);
      await Promise.all([
        page.waitForURL(/revoked=ci\+deploys$/),
        row.getByRole('button', { name: /^Revoke/ }).click(),
      ]);
      assert.match(await page.locator('tbody tr').filter({ hasText: 'ci deploys' }).innerText(), /revoked/);
      const refusedNow = await fixture.server.call('GET', `${fixture.server.base}/infrastructure/targets`, {
        token: secret,
      });
      assert.equal(refusedNow.status, 401, 'revoked at once');
      await assertActor(fixture, 'api_token.revoke', ADMIN);
    });
  });

  it('gives a token only permissions the person holds', async () => {
    await inConsole(fixture, TOKEN_KEEPER, async ({ page }) => {
      await page.goto('/console/api-tokens');
      const offered = await page
        .locator('fieldset input[type=checkbox]')
        .evaluateAll((boxes) => boxes.map((box) => (box as unknown as { value: string }).value));
      assert.deepEqual(offered, ['Account API Tokens: Read', 'Account API Tokens: Edit']);
      const csrf = (await page.locator('input[name=csrf]').first().getAttribute('value')) ?? '';
      const forged = await page.request.post('/console/api-tokens', {
        form: { csrf, name: 'escalate', permission: 'Zero Trust: Edit' },
        maxRedirects: 0,
      });
      assert.equal(forged.status(), 400);
      assert.match(await forged.text(), /You cannot give a token &quot;Zero Trust: Edit&quot;/);
      const none = await page.request.post('/console/api-tokens', {
        form: { csrf, name: 'nothing' },
        maxRedirects: 0,
      });
      assert.equal(none.status(), 400);
      assert.match(await none.text(), /id="f-permissions-error">a token needs at least one permission/);
      const creates = await fixture.auditActions('api_token.create');
      assert.ok(!creates.some((event) => event.actor === `user:${TOKEN_KEEPER}`), 'nothing made');
    });
  });
});
