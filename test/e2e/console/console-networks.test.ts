// The console's virtual networks and tunnel routes in Chromium against a real server: a network made, a
// route with host bits past its prefix refused with the API's message at the Network field (nothing made),
// the route added through an enrolled agent, a network with routes refused deletion with the API's
// reason, then the route and the network deleted; every change audited with the person.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { enrollAgent } from '../../server/http/ssh-logs-fixture.js';
import {
  ADMIN,
  ARTIFACTS,
  assertAccessible,
  assertActor,
  assertConsolePage,
  assertLabelled,
  inConsole,
  useConsoleFixture,
} from './console-fixture.js';

describe('web console in Chromium: virtual networks and tunnel routes', function () {
  this.timeout(120_000);
  const fixture = useConsoleFixture();

  it('makes a network and a route, shows a bad CIDR at its field, deletes both', async () => {
    await inConsole(fixture, ADMIN, async ({ page }) => {
      let html = await assertConsolePage(await page.goto('/console/networks'), 'networks');
      assert.match(html, /No tunnel routes/);
      assert.match(html, /enrol one on the <a href="\/console\/join-tokens">Join tokens<\/a> page first/);
      await page.getByLabel('Name').fill('lab');
      await page.getByLabel('Comment').first().fill('the test lab');
      await Promise.all([
        page.waitForURL(/done=network$/),
        page.getByRole('button', { name: 'Make the virtual network' }).click(),
      ]);
      const lab = page.locator('tbody tr').filter({ hasText: 'lab' });
      assert.match(await lab.innerText(), /the test lab/);
      await assertActor(fixture, 'virtual_network.create', ADMIN);

      // A second network of the same name: the API's conflict at the Name field.
      await page.getByLabel('Name').fill('lab');
      const [duplicate] = await Promise.all([
        page.waitForResponse((response) => response.request().method() === 'POST'),
        page.getByRole('button', { name: 'Make the virtual network' }).click(),
      ]);
      assert.equal(duplicate.status(), 409);
      assert.equal(await page.getByLabel('Name').getAttribute('aria-invalid'), 'true');
      assert.ok((await page.locator('#f-vn_name-error').innerText()).length > 0);

      await enrollAgent(fixture.server, 'gw-1');
      await assertConsolePage(await page.goto('/console/networks'), 'networks with an agent');
      await assertLabelled(page, 'networks');
      await page.getByLabel('Network (CIDR)').fill('10.77.0.1/24');
      await page.getByLabel('In the virtual network').selectOption({ label: 'lab' });
      const [refused] = await Promise.all([
        page.waitForResponse((response) => response.request().method() === 'POST'),
        page.getByRole('button', { name: 'Add the route' }).click(),
      ]);
      assert.equal(refused.status(), 400);
      const cidr = page.getByLabel('Network (CIDR)');
      assert.equal(await cidr.getAttribute('aria-invalid'), 'true');
      assert.equal(await cidr.inputValue(), '10.77.0.1/24', 'the form keeps what was typed');
      const message = await page.locator('#f-network-error').innerText();
      const api = await fixture.server.call('POST', `${fixture.server.base}/teamnet/routes`, {
        body: {
          network: '10.77.0.1/24',
          tunnel_id: (await fixture.server.call('GET', `${fixture.server.base}/latchkey/agents`)).body
            .result[0].id,
        },
      });
      assert.equal(api.status, 400);
      assert.equal(message, api.body.errors[0].message, 'the API’s own message');
      await page.screenshot({ path: resolve(ARTIFACTS, 'networks-refused.png'), fullPage: true });
      await assertAccessible(page, 'networks-refused');
      assert.equal((await fixture.auditActions('tunnel_route.create')).length, 0, 'nothing made');

      await cidr.fill('10.77.0.0/24');
      await Promise.all([
        page.waitForURL(/done=route$/),
        page.getByRole('button', { name: 'Add the route' }).click(),
      ]);
      const route = page.locator('tbody tr').filter({ hasText: '10.77.0.0/24' });
      assert.match(await route.innerText(), /10\.77\.0\.0\/24\s+gw-1[\s\S]*lab/);
      await page.screenshot({ path: resolve(ARTIFACTS, 'networks.png'), fullPage: true });
      await assertAccessible(page, 'networks');
      await assertActor(fixture, 'tunnel_route.create', ADMIN);

      // The network has a route: its deletion is refused with the API's reason.
      const [kept] = await Promise.all([
        page.waitForResponse((response) => response.request().method() === 'POST'),
        lab
          .first()
          .getByRole('button', { name: /^Delete/ })
          .click(),
      ]);
      assert.equal(kept.status(), 409);
      html = await kept.text();
      assert.match(await page.getByRole('alert').innerText(), /route/);

      await Promise.all([
        page.waitForURL(/done=route-deleted$/),
        page
          .locator('tbody tr')
          .filter({ hasText: '10.77.0.0/24' })
          .getByRole('button', { name: /^Delete/ })
          .click(),
      ]);
      await Promise.all([
        page.waitForURL(/done=network-deleted$/),
        page
          .locator('tbody tr')
          .filter({ hasText: 'the test lab' })
          .getByRole('button', { name: /^Delete/ })
          .click(),
      ]);
      assert.equal(await page.locator('tbody tr').filter({ hasText: 'the test lab' }).count(), 0);
      for (const action of ['tunnel_route.delete', 'virtual_network.delete']) {
        await assertActor(fixture, action, ADMIN, action);
      }
    });
  });
});
