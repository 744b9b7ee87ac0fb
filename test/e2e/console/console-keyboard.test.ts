// Issue #15: "keyboard navigation". With the keyboard alone, in Chromium: the first Tab on a page reaches its
// "Skip to content" link, which takes the focus past the navigation; Tab then reaches a form's field, typing
// fills it, Enter submits it, and the change is made (a virtual network appears); the sign-in form works
// the same way.
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { ADMIN, PASSWORD, inConsole, inNewContext, useConsoleFixture } from './console-fixture.js';

/**
 * What has the focus: its text, its label (the <label for> of its id, else its aria-label), its href,
 * and whether it is inside <main>. Read through Playwright's `:focus` locator (the tests compile without
 * the DOM's types).
 */
async function focused(page: Page) {
  const element = page.locator(':focus');
  if ((await element.count()) !== 1) return { text: '', label: '', href: null, inMain: false };
  const id = await element.getAttribute('id');
  const label = id === null ? null : await page.locator(`label[for="${id}"]`).textContent();
  return {
    text: (await element.textContent())?.trim() ?? '',
    label: (label ?? (await element.getAttribute('aria-label')) ?? '').trim(),
    href: await element.getAttribute('href'),
    inMain: (await page.locator('main :focus').count()) === 1,
  };
}

/** Presses Tab until the focus is on a field whose label starts with `label` (at most `limit` presses). */
async function tabTo(page: Page, label: string, limit = 40): Promise<void> {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    if ((await focused(page)).label.startsWith(label)) return;
  }
  throw new Error(`${limit} presses of Tab never reached the field "${label}"`);
}

describe('web console in Chromium: the keyboard alone', function () {
  this.timeout(120_000);
  const fixture = useConsoleFixture();

  it('signs in with the keyboard alone', async () => {
    await inNewContext(fixture, async ({ page }) => {
      await page.goto('/console/sign-in');
      await tabTo(page, 'Email');
      await page.keyboard.type(ADMIN);
      await tabTo(page, 'Password');
      await page.keyboard.type(PASSWORD);
      await Promise.all([
        page.waitForURL((url) => !url.pathname.endsWith('/sign-in')),
        page.keyboard.press('Enter'),
      ]);
      assert.match(await page.locator('main').innerText(), /./);
    });
  });

  it('skips to the content, then fills and submits a form with the keyboard alone', async () => {
    await inConsole(fixture, ADMIN, async ({ page }) => {
      await page.goto('/console/networks');
      await page.keyboard.press('Tab');
      const first = await focused(page);
      assert.deepEqual(
        { text: first.text, href: first.href },
        { text: 'Skip to content', href: '#main' },
        'the first Tab reaches the skip link',
      );
      await page.keyboard.press('Enter');
      await page.keyboard.press('Tab');
      assert.equal((await focused(page)).inMain, true, 'after the skip link, Tab goes on inside <main>');

      await tabTo(page, 'Name');
      await page.keyboard.type('keyboard-net');
      await Promise.all([page.waitForURL(/done=network$/), page.keyboard.press('Enter')]);
      assert.match(await page.locator('main').innerText(), /keyboard-net/);
    });
  });
});
