// Issue #15: "keyboard navigation". With the keyboard alone, in Chromium: the first Tab on a page reaches its
// "Skip to content" link, which takes the focus past the navigation; Tab then reaches a form's field, typing
// fills it, Enter submits it, and the change is made (a virtual network appears); the sign-in form works
// the same way.
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { ADMIN, PASSWORD, inConsole, inNewContext, useConsoleFixture } from './console-fixture.js';

/** What has the focus: its tag, its accessible name's pieces, and whether it is inside <main>. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const element = document.activeElement as HTMLElement | null;
    const label = element?.id ? document.querySelector(`label[for="${element.id}"]`)?.textContent : null;
    return {
      tag: element?.tagName.toLowerCase() ?? '',
      text: (element?.textContent ?? '').trim(),
      label: (label ?? element?.getAttribute('aria-label') ?? '').trim(),
      inMain: element?.closest('main') !== null,
    };
  });

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
      assert.deepEqual(
        { tag: (await focused(page)).tag, text: (await focused(page)).text },
        { tag: 'a', text: 'Skip to content' },
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
