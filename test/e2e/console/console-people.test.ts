// The console's People page in Chromium against a real server: a built-in account added (a short
// password refused at its field with the use case's message, nothing made), signing in, disabled (its
// console sign-in ends at once) and enabled again, its password reset (a refusal at that row's field),
// someone signed out everywhere (their sign-in ends); every change audited with the person. Someone
// with Zero Trust: Edit but not every permission may sign people out, not manage accounts.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import {
  ADMIN,
  ARTIFACTS,
  AUDITOR,
  PASSWORD,
  assertAccessible,
  assertActor,
  assertConsolePage,
  assertLabelled,
  cspViolations,
  nextPost,
  useConsoleFixture,
} from './console-fixture.js';

const CAROL = 'carol@example.com';
const OPERATOR = 'operator@example.com';

describe('web console in Chromium: people', function () {
  this.timeout(120_000);
  const fixture = useConsoleFixture();

  before(async () => {
    await fixture.server.addUser(OPERATOR, PASSWORD, ['latchkey-permission:zero-trust-edit']);
  });

  const row = (page: Page, email: string) =>
    page.locator('section[aria-labelledby=accounts-heading] tbody tr').filter({ hasText: email });

  /** Whether the page's sign-in still opens the console. */
  async function stillSignedIn(page: Page): Promise<boolean> {
    await page.goto('/console/targets');
    return !page.url().endsWith('/console/sign-in');
  }

  it('adds, disables, enables and resets an account; signs a person out everywhere', async () => {
    const auditor = await fixture.signedIn(AUDITOR);
    const { context, page } = await fixture.signedIn(ADMIN);
    try {
      const violations = cspViolations(page);
      const html = await assertConsolePage(await page.goto('/console/people'), 'people');
      assert.match(html, new RegExp(AUDITOR));
      await assertLabelled(page, 'people');
      await assertAccessible(page, 'people');
      const signedIn = page.locator('section[aria-labelledby=people-heading] tbody tr');
      assert.match(await signedIn.filter({ hasText: ADMIN }).innerText(), /builtin/);

      // A short password: the use case's message at the Password field, nothing made.
      await page.getByLabel('Email', { exact: true }).fill(CAROL);
      await page.getByLabel('Password', { exact: true }).fill('short');
      await page.getByRole('textbox', { name: 'Groups' }).fill('latchkey-auditors');
      const [refused] = await Promise.all([
        nextPost(page),
        page.getByRole('button', { name: 'Add the account' }).click(),
      ]);
      assert.equal(refused.status(), 400);
      const password = page.getByLabel('Password', { exact: true });
      assert.equal(await password.getAttribute('aria-invalid'), 'true');
      assert.equal(
        await page.locator('#f-password-error').innerText(),
        'a password needs at least 8 characters',
      );
      assert.equal(await page.getByLabel('Email', { exact: true }).inputValue(), CAROL, 'kept');
      await assertAccessible(page, 'people-refused');
      assert.equal(
        (await fixture.auditActions('user.create')).filter((e) => e.actor === `user:${ADMIN}`).length,
        0,
      );

      await password.fill(PASSWORD);
      await Promise.all([
        page.waitForURL(/done=added/),
        page.getByRole('button', { name: 'Add the account' }).click(),
      ]);
      assert.match(await row(page, CAROL).innerText(), /latchkey-auditors[\s\S]*active/);
      await assertActor(fixture, 'user.create', ADMIN);
      await page.screenshot({ path: resolve(ARTIFACTS, 'people.png'), fullPage: true });

      // Carol signs in; disabling her account ends that sign-in at once.
      const carol = await fixture.signedIn(CAROL);
      assert.equal(await stillSignedIn(carol.page), true);
      await page.goto('/console/people');
      await Promise.all([
        page.waitForURL(/done=disabled/),
        row(page, CAROL)
          .getByRole('button', { name: `Disable ${CAROL}` })
          .click(),
      ]);
      assert.match(await row(page, CAROL).innerText(), /disabled/);
      await assertActor(fixture, 'user.disable', ADMIN);
      assert.equal(await stillSignedIn(carol.page), false, 'her sign-in ended');
      await Promise.all([
        page.waitForURL(/done=enabled/),
        row(page, CAROL)
          .getByRole('button', { name: `Enable ${CAROL}` })
          .click(),
      ]);
      await assertActor(fixture, 'user.enable', ADMIN);
      await carol.context.close();

      // A reset to a short password is refused at that row's field; a good one is made.
      const newPassword = row(page, CAROL).getByLabel(`New password for ${CAROL}`);
      await newPassword.fill('short');
      const [badReset] = await Promise.all([
        nextPost(page),
        row(page, CAROL)
          .getByRole('button', { name: /^Reset the password/ })
          .click(),
      ]);
      assert.equal(badReset.status(), 400);
      assert.equal(
        await row(page, CAROL).getByLabel(`New password for ${CAROL}`).getAttribute('aria-invalid'),
        'true',
      );
      assert.match(await row(page, CAROL).locator('.field-error').innerText(), /at least 8 characters/);
      await assertAccessible(page, 'people-reset-refused');
      await row(page, CAROL).getByLabel(`New password for ${CAROL}`).fill('another good password');
      await Promise.all([
        page.waitForURL(/done=reset/),
        row(page, CAROL)
          .getByRole('button', { name: /^Reset the password/ })
          .click(),
      ]);
      await assertActor(fixture, 'user.reset_password', ADMIN);

      // Her groups: a name too long is refused at the field; then saved.
      await row(page, CAROL)
        .getByRole('link', { name: `Edit groups of ${CAROL}` })
        .click();
      await assertAccessible(page, 'account groups');
      assert.equal(await page.getByRole('textbox', { name: 'Groups' }).inputValue(), 'latchkey-auditors');
      await page.getByRole('textbox', { name: 'Groups' }).fill(`latchkey-auditors ${'x'.repeat(129)}`);
      const [badGroups] = await Promise.all([
        nextPost(page),
        page.getByRole('button', { name: 'Save' }).click(),
      ]);
      assert.equal(badGroups.status(), 400);
      assert.equal(await page.getByRole('textbox', { name: 'Groups' }).getAttribute('aria-invalid'), 'true');
      assert.match(await page.locator('#f-groups-error').innerText(), /is not a group name/);
      await page.getByRole('textbox', { name: 'Groups' }).fill('latchkey-auditors, ops');
      await Promise.all([page.waitForURL(/done=groups/), page.getByRole('button', { name: 'Save' }).click()]);
      assert.match(await row(page, CAROL).innerText(), /latchkey-auditors\s+ops/);
      await assertActor(fixture, 'user.update', ADMIN);

      // Sign the auditor out everywhere: their console sign-in ends.
      assert.equal(await stillSignedIn(auditor.page), true);
      await Promise.all([
        page.waitForURL(/done=signed-out/),
        row(page, AUDITOR)
          .getByRole('button', { name: `Sign out everywhere ${AUDITOR}` })
          .click(),
      ]);
      await assertActor(fixture, 'user.sign_out_everywhere', ADMIN);
      assert.equal(await stillSignedIn(auditor.page), false, 'the auditor’s sign-in ended');
      assert.deepEqual(violations, [], 'no CSP violation');
    } finally {
      await context.close();
      await auditor.context.close();
    }
  });

  it('Zero Trust: Edit signs people out but does not manage accounts; an auditor sees no People page', async () => {
    const operator = await fixture.signedIn(OPERATOR);
    const auditor = await fixture.signedIn(AUDITOR);
    try {
      const html = await assertConsolePage(await operator.page.goto('/console/people'), 'people (operator)');
      assert.match(html, /Sign out everywhere/);
      assert.doesNotMatch(html, /Add the account|Disable|Reset the password/);
      const csrf = (await operator.page.locator('input[name=csrf]').first().getAttribute('value')) ?? '';
      const refused = await operator.page.request.post('/console/people/accounts', {
        form: { csrf, email: 'mallory@example.com', password: PASSWORD, groups: 'latchkey-admins' },
        maxRedirects: 0,
      });
      assert.equal(refused.status(), 403);
      assert.match(await refused.text(), /needs every permission/);
      const disable = await operator.page.request.post(
        `/console/people/accounts/${encodeURIComponent(ADMIN)}/disable`,
        {
          form: { csrf },
          maxRedirects: 0,
        },
      );
      assert.equal(disable.status(), 403);
      assert.equal((await auditor.page.goto('/console/people'))?.status(), 403);
    } finally {
      await operator.context.close();
      await auditor.context.close();
    }
  });
});
