// Editing in place in Chromium against a real server: a target's hostname and tags, a virtual network's
// name and comment, a tunnel route's network and comment, and its move to another agent and virtual network; each refusal the API's own message at its
// field (nothing changed), each change the API's audit event naming the person.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { enrollAgent } from '../../server/http/ssh-logs-fixture.js';
import {
  ADMIN,
  ARTIFACTS,
  AUDITOR,
  assertAccessible,
  assertActor,
  assertConsolePage,
  assertLabelled,
  inConsole,
  nextPost,
  useConsoleFixture,
} from './console-fixture.js';

describe('web console in Chromium: editing in place', function () {
  this.timeout(120_000);
  const fixture = useConsoleFixture();

  it('edits a target, a virtual network and a route; shows refusals at their fields', async () => {
    const { server } = fixture;
    const made = await server.call('POST', `${server.base}/infrastructure/targets`, {
      body: { hostname: 'db-1', ip: { ipv4: { ip_addr: '10.1.2.3' } }, tags: { env: 'test' } },
    });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    const agent = await enrollAgent(server, 'gw-1');
    const network = await server.call('POST', `${server.base}/teamnet/virtual_networks`, {
      body: { name: 'lab', comment: 'the lab' },
    });
    assert.equal(network.status, 200, JSON.stringify(network.body));
    await server.call('POST', `${server.base}/teamnet/virtual_networks`, { body: { name: 'other' } });
    const route = await server.call('POST', `${server.base}/teamnet/routes`, {
      body: { network: '10.77.0.0/24', tunnel_id: agent.agentId, virtual_network_id: network.body.result.id },
    });
    assert.equal(route.status, 200, JSON.stringify(route.body));

    await inConsole(fixture, ADMIN, async ({ page }) => {
      // --- the target
      await page.goto('/console/targets');
      await page.getByRole('link', { name: 'Edit target db-1' }).click();
      await assertConsolePage(await page.reload(), 'target edit');
      await assertLabelled(page, 'target edit');
      assert.equal(await page.getByLabel('Tags').inputValue(), 'env=test');
      await page.getByLabel('Hostname').fill('db_1!');
      const [refused] = await Promise.all([
        nextPost(page),
        page.getByRole('button', { name: 'Save' }).click(),
      ]);
      assert.equal(refused.status(), 400);
      const hostname = page.getByLabel('Hostname');
      assert.equal(await hostname.getAttribute('aria-invalid'), 'true');
      assert.equal(await hostname.inputValue(), 'db_1!', 'kept');
      const api = await server.call('PUT', `${server.base}/infrastructure/targets/${made.body.result.id}`, {
        body: { hostname: 'db_1!', ip: { ipv4: { ip_addr: '10.1.2.3' } } },
      });
      assert.equal(api.status, 400);
      assert.equal(await page.locator('#f-hostname-error').innerText(), api.body.errors[0].message);
      await page.screenshot({ path: resolve(ARTIFACTS, 'target-edit-refused.png'), fullPage: true });
      await assertAccessible(page, 'target edit refused');
      assert.equal((await fixture.auditActions('target.update')).length, 0, 'nothing changed');
      await hostname.fill('db-2');
      await page.getByLabel('Tags').fill('env=prod\nteam=data');
      await Promise.all([page.waitForURL(/done=saved$/), page.getByRole('button', { name: 'Save' }).click()]);
      assert.match(
        await page.locator('tbody tr').first().innerText(),
        /db-2[\s\S]*10\.1\.2\.3[\s\S]*env=prod, team=data/,
      );
      await assertActor(fixture, 'target.update', ADMIN);

      // --- the virtual network
      await page.goto('/console/networks');
      await page.getByRole('link', { name: 'Edit virtual network lab' }).click();
      await page.waitForURL(/\/console\/networks\/[0-9a-f-]+$/);
      await assertAccessible(page, 'network edit');
      await page.getByLabel('Name').fill('other');
      const [taken] = await Promise.all([nextPost(page), page.getByRole('button', { name: 'Save' }).click()]);
      assert.equal(taken.status(), 409);
      assert.equal(await page.getByLabel('Name').getAttribute('aria-invalid'), 'true');
      assert.equal(
        await page.locator('#f-name-error').innerText(),
        'a virtual network named "other" already exists',
      );
      await page.getByLabel('Name').fill('lab-2');
      await page.getByLabel('Comment').fill('the second lab');
      await Promise.all([
        page.waitForURL(/done=network-saved$/),
        page.getByRole('button', { name: 'Save' }).click(),
      ]);
      assert.match(await page.locator('tbody tr').filter({ hasText: 'the second lab' }).innerText(), /lab-2/);
      await assertActor(fixture, 'virtual_network.update', ADMIN);

      // --- the route
      await page.getByRole('link', { name: 'Edit the route of 10.77.0.0/24' }).click();
      await page.getByLabel('Network (CIDR)').fill('10.77.0.1/24');
      const [badRoute] = await Promise.all([
        nextPost(page),
        page.getByRole('button', { name: 'Save' }).click(),
      ]);
      assert.equal(badRoute.status(), 400);
      assert.equal(await page.getByLabel('Network (CIDR)').getAttribute('aria-invalid'), 'true');
      await assertAccessible(page, 'route edit refused');
      await page.getByLabel('Network (CIDR)').fill('10.78.0.0/24');
      await page.getByLabel('Comment').fill('moved');
      await Promise.all([
        page.waitForURL(/done=route-saved$/),
        page.getByRole('button', { name: 'Save' }).click(),
      ]);
      assert.match(
        await page.locator('tbody tr').filter({ hasText: '10.78.0.0/24' }).innerText(),
        /gw-1[\s\S]*moved/,
      );
      await assertActor(fixture, 'tunnel_route.update', ADMIN);
    });
  });

  it('moves a route to another agent and virtual network; a removed agent is refused at its field', async () => {
    const { server } = fixture;
    const from = await enrollAgent(server, 'gw-from');
    const to = await enrollAgent(server, 'gw-to');
    const gone = await enrollAgent(server, 'gw-gone');
    const home = await server.call('POST', `${server.base}/teamnet/virtual_networks`, {
      body: { name: 'home' },
    });
    const away = await server.call('POST', `${server.base}/teamnet/virtual_networks`, {
      body: { name: 'away' },
    });
    assert.equal(away.status, 200, JSON.stringify(away.body));
    const route = await server.call('POST', `${server.base}/teamnet/routes`, {
      body: { network: '10.91.0.0/24', tunnel_id: from.agentId, virtual_network_id: home.body.result.id },
    });
    assert.equal(route.status, 200, JSON.stringify(route.body));
    const routeId: string = route.body.result.id;

    await inConsole(fixture, ADMIN, async ({ page }) => {
      await page.goto('/console/networks');
      await page.getByRole('link', { name: 'Edit the route of 10.91.0.0/24' }).click();
      await page.waitForURL(/\/console\/networks\/routes\/[0-9a-f-]+$/);
      await assertLabelled(page, 'route edit');
      assert.equal(await page.getByLabel('Through the agent').inputValue(), from.agentId);
      assert.equal(await page.getByLabel('In the virtual network').inputValue(), home.body.result.id);
      await assertAccessible(page, 'route edit');

      // Refused: the agent chosen is removed before Save. The API's message, at the agent's field.
      await page.getByLabel('Through the agent').selectOption({ label: 'gw-gone' });
      const removed = await server.call(
        'DELETE',
        `${server.base}/latchkey/agents/${gone.agentId}?keep_target=true`,
      );
      assert.equal(removed.status, 200, JSON.stringify(removed.body));
      const [refused] = await Promise.all([
        nextPost(page),
        page.getByRole('button', { name: 'Save' }).click(),
      ]);
      assert.equal(refused.status(), 400);
      await assertConsolePage(refused, 'route move refused');
      const agentField = page.getByLabel('Through the agent');
      assert.equal(await agentField.getAttribute('aria-invalid'), 'true');
      assert.equal(
        await page.locator('#f-tunnel_id-error').innerText(),
        `tunnel_id ${gone.agentId} is not an agent of this account`,
      );
      await page.screenshot({ path: resolve(ARTIFACTS, 'route-move-refused.png'), fullPage: true });
      await assertAccessible(page, 'route move refused');
      const stored = await server.call('GET', `${server.base}/teamnet/routes/${routeId}`);
      assert.equal(stored.body.result.tunnel_id, from.agentId, 'not moved');

      await agentField.selectOption({ label: 'gw-to' });
      await page.getByLabel('In the virtual network').selectOption({ label: 'away' });
      await Promise.all([
        page.waitForURL(/done=route-saved$/),
        page.getByRole('button', { name: 'Save' }).click(),
      ]);
      assert.match(
        await page.locator('tbody tr').filter({ hasText: '10.91.0.0/24' }).innerText(),
        /gw-to[\s\S]*away/,
      );
      const moved = await server.call('GET', `${server.base}/teamnet/routes/${routeId}`);
      assert.equal(moved.body.result.tunnel_id, to.agentId);
      assert.equal(moved.body.result.virtual_network_id, away.body.result.id);
      await assertActor(fixture, 'tunnel_route.update', ADMIN);
    });
  });

  it('an auditor has no edit page', async () => {
    await inConsole(fixture, AUDITOR, async ({ page }) => {
      const targets = await fixture.server.call('GET', `${fixture.server.base}/infrastructure/targets`);
      const answer = await page.goto(`/console/targets/${targets.body.result[0].id}`);
      assert.equal(answer?.status(), 403);
    });
  });
});
