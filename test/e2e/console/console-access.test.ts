// The console's access pages in Chromium against a real server: access groups, reusable policies and
// infrastructure apps made, edited in place and deleted through their forms; a bad rule refused with the
// API's own message at its field (and nothing made); a policy naming a group by name; deletions the API
// refuses (a policy an app links, a group a policy uses) shown with the API's reason; every change
// audited with the person; an app's target criteria by tags on two ports made and edited as text, a
// refused criterion shown at the field with its line; and an auditor, who may not change policies, refused.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
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

/** The label of an app's target criteria textarea. */
const CRITERIA = 'Target hostnames and tags, by port';

describe('web console in Chromium: apps, policies and access groups', function () {
  this.timeout(120_000);
  const fixture = useConsoleFixture();

  it('makes, edits and deletes a group, a policy and an app; shows refusals at their fields', async () => {
    await inConsole(fixture, ADMIN, async ({ page }) => {
      // --- access groups: the empty state, one made.
      let html = await assertConsolePage(await page.goto('/console/groups'), 'groups');
      assert.match(html, /No access groups yet/);
      await assertAccessible(page, 'groups-empty');
      await assertLabelled(page, 'groups');
      await page.getByLabel('Name', { exact: true }).fill('engineers');
      await page.getByLabel('Include (any of these)').fill('email_domain: example.com');
      await page.getByLabel('Require (all of these)').fill('auth_method: mfa');
      await Promise.all([
        page.waitForURL(/done=made$/),
        page.getByRole('button', { name: 'Make the group' }).click(),
      ]);
      assert.match(
        await page.locator('tbody tr').first().innerText(),
        /engineers[\s\S]*email_domain: example\.com[\s\S]*auth_method: mfa/,
      );
      await assertActor(fixture, 'access_group.create', ADMIN);
      await page.screenshot({ path: resolve(ARTIFACTS, 'groups.png'), fullPage: true });
      await assertAccessible(page, 'groups');

      // --- policies: a bad rule is the API's message at the Include field; nothing is made.
      html = await assertConsolePage(await page.goto('/console/policies'), 'policies');
      assert.match(html, /No reusable policies yet/);
      await assertAccessible(page, 'policies-empty');
      await assertLabelled(page, 'policies');
      await page.getByLabel('Name', { exact: true }).fill('ops');
      await page.getByLabel('Include (any of these)').fill('email: ada@example.com\nip: 10.0.0.1/99');
      await page.getByLabel('UNIX usernames').fill('ada');
      const [refused] = await Promise.all([
        nextPost(page),
        page.getByRole('button', { name: 'Make the policy' }).click(),
      ]);
      assert.equal(refused.status(), 400);
      const include = page.getByLabel('Include (any of these)');
      assert.equal(await include.getAttribute('aria-invalid'), 'true');
      assert.equal(await include.inputValue(), 'email: ada@example.com\nip: 10.0.0.1/99', 'kept');
      const api = await fixture.server.call('POST', `${fixture.server.base}/access/policies`, {
        body: {
          name: 'ops',
          decision: 'allow',
          include: [{ email: { email: 'ada@example.com' } }, { ip: { ip: '10.0.0.1/99' } }],
          connection_rules: { ssh: { usernames: ['ada'] } },
        },
      });
      assert.equal(api.status, 400);
      assert.equal(
        await page.locator('#f-include-error').innerText(),
        `Line 2: ${api.body.errors[0].message}`,
        'the API’s own message, with its line',
      );
      await page.screenshot({ path: resolve(ARTIFACTS, 'policies-refused.png'), fullPage: true });
      await assertAccessible(page, 'policies-refused');
      assert.equal((await fixture.auditActions('policy.create')).length, 0, 'nothing made');

      // A selector the API does not have: refused at the field, with the line.
      await include.fill('email: ada@example.com\nsaml: admins');
      await Promise.all([nextPost(page), page.getByRole('button', { name: 'Make the policy' }).click()]);
      assert.match(await page.locator('#f-include-error').innerText(), /^Line 2: "saml" is not a selector/);

      // Made: the group named by its name.
      await include.fill('email: ada@example.com\ngroup: engineers');
      await page.getByLabel('Exclude (none of these)').fill('ip: 192.0.2.0/24');
      await Promise.all([
        page.waitForURL(/done=made$/),
        page.getByRole('button', { name: 'Make the policy' }).click(),
      ]);
      const ops = page.locator('tbody tr').filter({ hasText: 'ops' });
      assert.match(
        await ops.innerText(),
        /email: ada@example\.com\s+group: engineers[\s\S]*ip: 192\.0\.2\.0\/24[\s\S]*ada/,
      );
      await assertActor(fixture, 'policy.create', ADMIN);
      const policies = await fixture.server.call('GET', `${fixture.server.base}/access/policies`);
      const groups = await fixture.server.call('GET', `${fixture.server.base}/access/groups`);
      assert.deepEqual(policies.body.result[0].include[1], { group: { id: groups.body.result[0].id } });

      // The group is used by the policy: its deletion is refused with the API's reason.
      await page.goto('/console/groups');
      const [kept] = await Promise.all([
        nextPost(page),
        page.getByRole('button', { name: /^Delete/ }).click(),
      ]);
      assert.equal(kept.status(), 409);
      assert.match(await page.getByRole('alert').innerText(), /still used by policy .* \(ops\)/);

      // --- apps: a bad hostname is the API's message at the criteria, with its line.
      html = await assertConsolePage(await page.goto('/console/apps'), 'apps');
      assert.match(html, /No apps yet/);
      await assertLabelled(page, 'apps');
      await page.getByLabel('Name', { exact: true }).fill('web');
      await page.getByLabel(CRITERIA).fill('web-1 bad_host!');
      await page.getByLabel('ops').check();
      const [badApp] = await Promise.all([
        nextPost(page),
        page.getByRole('button', { name: 'Make the app' }).click(),
      ]);
      assert.equal(badApp.status(), 400);
      const hostnames = page.getByLabel(CRITERIA);
      assert.equal(await hostnames.getAttribute('aria-invalid'), 'true');
      assert.match(
        await page.locator('#f-criteria-error').innerText(),
        /^Line 1: \/target_criteria\/0\/target_attributes\/hostname\/1/,
      );
      assert.equal(await page.getByLabel('ops').isChecked(), true, 'the form keeps what was ticked');
      await assertAccessible(page, 'apps-refused');
      await hostnames.fill('web-1 web-2');
      await Promise.all([
        page.waitForURL(/done=made$/),
        page.getByRole('button', { name: 'Make the app' }).click(),
      ]);
      assert.match(
        await page.locator('tbody tr').first().innerText(),
        /web[\s\S]*web-1, web-2 on port 22 \(SSH\)[\s\S]*1\. ops/,
      );
      await assertActor(fixture, 'access_app.create', ADMIN);
      await page.screenshot({ path: resolve(ARTIFACTS, 'apps.png'), fullPage: true });
      await assertAccessible(page, 'apps');

      // The policy is linked: its deletion is refused with the API's reason.
      await page.goto('/console/policies');
      const [linked] = await Promise.all([
        nextPost(page),
        page.getByRole('button', { name: /^Delete/ }).click(),
      ]);
      assert.equal(linked.status(), 409);
      assert.match(await page.getByRole('alert').innerText(), /still used by app/);

      // --- edit in place: the policy's usernames, the app's name and port.
      await page.getByRole('link', { name: 'Edit policy ops' }).click();
      await assertConsolePage(await page.reload(), 'policy edit');
      assert.equal(
        await page.getByLabel('Include (any of these)').inputValue(),
        'email: ada@example.com\ngroup: engineers',
      );
      await assertLabelled(page, 'policy edit');
      await assertAccessible(page, 'policy edit');
      await page.getByLabel('UNIX usernames').fill('ada root!');
      const [badEdit] = await Promise.all([
        nextPost(page),
        page.getByRole('button', { name: 'Save the policy' }).click(),
      ]);
      assert.equal(badEdit.status(), 400);
      assert.equal(await page.getByLabel('UNIX usernames').getAttribute('aria-invalid'), 'true');
      assert.match(
        await page.locator('#f-usernames-error').innerText(),
        /\/connection_rules\/ssh\/usernames\/1/,
      );
      await page.getByLabel('UNIX usernames').fill('ada deploy');
      await Promise.all([
        page.waitForURL(/done=saved$/),
        page.getByRole('button', { name: 'Save the policy' }).click(),
      ]);
      assert.match(await ops.innerText(), /ada, deploy/);
      await assertActor(fixture, 'policy.update', ADMIN);

      await page.goto('/console/apps');
      await page.getByRole('link', { name: 'Edit app web' }).click();
      await page.waitForURL(/\/console\/apps\/[0-9a-f-]+$/);
      await page.screenshot({ path: resolve(ARTIFACTS, 'app-edit.png'), fullPage: true });
      await assertAccessible(page, 'app edit');
      assert.equal(await page.getByLabel(CRITERIA).inputValue(), '22: web-1 web-2', 'the flat form');
      await page.getByLabel('Name', { exact: true }).fill('web servers');
      await page.getByLabel(CRITERIA).fill('2222: web-1 web-2');
      await Promise.all([
        page.waitForURL(/done=saved$/),
        page.getByRole('button', { name: 'Save the app' }).click(),
      ]);
      assert.match(await page.locator('tbody tr').first().innerText(), /web servers[\s\S]*port 2222/);
      await assertActor(fixture, 'access_app.update', ADMIN);

      // --- a policy of the app's own: added (a bad rule refused at its field first), then edited.
      await page.getByRole('link', { name: 'Edit app web servers' }).click();
      await page.getByRole('link', { name: 'Give it a policy of its own' }).click();
      await assertLabelled(page, 'own policy');
      await assertAccessible(page, 'own policy');
      await page.getByLabel('Name', { exact: true }).fill('on call');
      await page.getByLabel('Include (any of these)').fill('everyone\nip: 10.0.0.0/99');
      await page.getByLabel('UNIX usernames').fill('oncall');
      const [badOwn] = await Promise.all([
        nextPost(page),
        page.getByRole('button', { name: 'Save the policy' }).click(),
      ]);
      assert.equal(badOwn.status(), 400);
      assert.equal(await page.getByLabel('Include (any of these)').getAttribute('aria-invalid'), 'true');
      assert.match(
        await page.locator('#f-include-error').innerText(),
        /^Line 2: \/policies\/1\/include\/1\/ip\/ip: "10\.0\.0\.0\/99" is not an IP range/,
      );
      await page.getByLabel('Include (any of these)').fill('email_domain: example.com');
      await Promise.all([
        page.waitForURL(/done=saved$/),
        page.getByRole('button', { name: 'Save the policy' }).click(),
      ]);
      assert.match(await page.locator('tbody tr').first().innerText(), /1\. ops\s+2\. on call \(its own\)/);
      await page.getByRole('link', { name: 'Edit app web servers' }).click();
      await page.getByRole('link', { name: 'Edit policy on call' }).click();
      assert.equal(await page.getByLabel('UNIX usernames').inputValue(), 'oncall');
      await page.getByLabel('UNIX usernames').fill('oncall ops');
      await Promise.all([
        page.waitForURL(/done=saved$/),
        page.getByRole('button', { name: 'Save the policy' }).click(),
      ]);
      const app = (await fixture.server.call('GET', `${fixture.server.base}/access/apps`)).body.result[0];
      assert.deepEqual(app.policies[1].connection_rules.ssh.usernames, ['oncall', 'ops']);
      assert.equal(app.policies[1].name, 'on call');

      // --- delete: the app, then the policy it linked, then the group.
      await Promise.all([
        page.waitForURL(/done=deleted$/),
        page.getByRole('button', { name: /^Delete/ }).click(),
      ]);
      await assertActor(fixture, 'access_app.delete', ADMIN);
      await page.goto('/console/policies');
      await Promise.all([
        page.waitForURL(/done=deleted$/),
        page.getByRole('button', { name: /^Delete/ }).click(),
      ]);
      await assertActor(fixture, 'policy.delete', ADMIN);
      await page.goto('/console/groups');
      await Promise.all([
        page.waitForURL(/done=deleted$/),
        page.getByRole('button', { name: /^Delete/ }).click(),
      ]);
      await assertActor(fixture, 'access_group.delete', ADMIN);
    });
  });

  it('makes and edits an app whose criteria use tags on two ports; a refused criterion at the field', async () => {
    await inConsole(fixture, ADMIN, async ({ page }) => {
      await page.goto('/console/apps');
      const criteria = page.getByLabel(CRITERIA);
      assert.match(
        await page.locator('#f-criteria-hint').innerText(),
        /One criterion a line, its port first: "22: web-1 web-2"/,
      );
      assert.match((await criteria.getAttribute('aria-describedby')) ?? '', /^f-criteria-hint$/);
      await page.getByLabel('Name', { exact: true }).fill('tagged');
      const madeBefore = (await fixture.auditActions('access_app.create')).length;

      // A line the text form cannot read: its line and what is wrong, at the field; nothing made.
      await criteria.fill('22 include: env=prod\n2222 include: jump-1');
      const [unread] = await Promise.all([
        nextPost(page),
        page.getByRole('button', { name: 'Make the app' }).click(),
      ]);
      assert.equal(unread.status(), 400);
      assert.equal(await criteria.getAttribute('aria-invalid'), 'true');
      assert.match(
        await page.locator('#f-criteria-error').innerText(),
        /^Line 2: "jump-1" in include: is not key=values: write "hostname=jump-1"/,
      );

      // A criterion the API refuses: the API's own message, with its line.
      await criteria.fill('22 include: env=prod\n# the bastion\n2222 include: hostname=jump_1!');
      const [refused] = await Promise.all([
        nextPost(page),
        page.getByRole('button', { name: 'Make the app' }).click(),
      ]);
      assert.equal(refused.status(), 400);
      const api = await fixture.server.call('POST', `${fixture.server.base}/access/apps`, {
        body: {
          name: 'tagged',
          type: 'infrastructure',
          target_criteria: [
            { include: { tags: { env: ['prod'] } }, port: 22, protocol: 'SSH' },
            { include: { target_attributes: { hostname: ['jump_1!'] } }, port: 2222, protocol: 'SSH' },
          ],
        },
      });
      assert.equal(api.status, 400);
      assert.equal(await criteria.getAttribute('aria-invalid'), 'true');
      assert.equal(
        await page.locator('#f-criteria-error').innerText(),
        `Line 3: ${api.body.errors[0].message}`,
        'the API’s own message, with its line',
      );
      assert.equal(
        await criteria.inputValue(),
        '22 include: env=prod\n# the bastion\n2222 include: hostname=jump_1!',
        'kept',
      );
      await assertAccessible(page, 'apps-criteria-refused');
      assert.equal((await fixture.auditActions('access_app.create')).length, madeBefore, 'nothing made');

      // Made: tags and hostnames, include / require / exclude, on two ports.
      const text =
        '22 include: env=prod,stage require: team=infra exclude: hostname=db-1\n2222 include: hostname=jump-1 role=bastion';
      await criteria.fill(text);
      await Promise.all([
        page.waitForURL(/done=made$/),
        page.getByRole('button', { name: 'Make the app' }).click(),
      ]);
      const row = page.locator('tbody tr').filter({ hasText: 'tagged' });
      assert.match(
        await row.innerText(),
        /include: env=prod,stage require: team=infra exclude: hostname=db-1 on port 22 \(SSH\)\s+include: hostname=jump-1 role=bastion on port 2222 \(SSH\)/,
      );
      await assertActor(fixture, 'access_app.create', ADMIN);
      const made = (await fixture.server.call('GET', `${fixture.server.base}/access/apps`)).body.result[0];
      assert.deepEqual(made.target_criteria, [
        {
          include: { tags: { env: ['prod', 'stage'] } },
          require: { tags: { team: ['infra'] } },
          exclude: { target_attributes: { hostname: ['db-1'] } },
          port: 22,
          protocol: 'SSH',
        },
        {
          include: { target_attributes: { hostname: ['jump-1'] }, tags: { role: ['bastion'] } },
          port: 2222,
          protocol: 'SSH',
        },
      ]);

      // Edited: the form shows the criteria as text; one taken off, a port changed.
      await page.getByRole('link', { name: 'Edit app tagged' }).click();
      await page.waitForURL(/\/console\/apps\/[0-9a-f-]+$/);
      assert.equal(await criteria.inputValue(), text);
      await assertLabelled(page, 'app edit criteria');
      await assertAccessible(page, 'app edit criteria');
      await page.screenshot({ path: resolve(ARTIFACTS, 'app-edit-criteria.png'), fullPage: true });
      await criteria.fill('22 include: env=prod require: team=infra,ops\n2200: jump-1 jump-2');
      await Promise.all([
        page.waitForURL(/done=saved$/),
        page.getByRole('button', { name: 'Save the app' }).click(),
      ]);
      await assertActor(fixture, 'access_app.update', ADMIN);
      const saved = (await fixture.server.call('GET', `${fixture.server.base}/access/apps`)).body.result[0];
      assert.deepEqual(saved.target_criteria, [
        {
          include: { tags: { env: ['prod'] } },
          require: { tags: { team: ['infra', 'ops'] } },
          port: 22,
          protocol: 'SSH',
        },
        { target_attributes: { hostname: ['jump-1', 'jump-2'] }, port: 2200, protocol: 'SSH' },
      ]);

      // A refusal on the edit page: at the field, and the app as it was.
      await page.getByRole('link', { name: 'Edit app tagged' }).click();
      await criteria.fill('22 include: env=prod\n70000: jump-1');
      const [badEdit] = await Promise.all([
        nextPost(page),
        page.getByRole('button', { name: 'Save the app' }).click(),
      ]);
      assert.equal(badEdit.status(), 400);
      assert.equal(await criteria.getAttribute('aria-invalid'), 'true');
      assert.match(
        await page.locator('#f-criteria-error').innerText(),
        /^Line 2: .*\/target_criteria\/1\/port/,
      );
      await assertAccessible(page, 'app edit criteria refused');
      const after = (await fixture.server.call('GET', `${fixture.server.base}/access/apps`)).body.result[0];
      assert.deepEqual(after.target_criteria, saved.target_criteria, 'unchanged');

      await page.goto('/console/apps');
      await Promise.all([
        page.waitForURL(/done=deleted$/),
        page.getByRole('button', { name: /^Delete/ }).click(),
      ]);
    });
  });

  it('an auditor cannot see or change apps, policies or groups', async () => {
    await inConsole(fixture, AUDITOR, async ({ page }) => {
      for (const path of ['/console/apps', '/console/policies', '/console/groups']) {
        const answer = await page.goto(path);
        assert.equal(answer?.status(), 403, path);
      }
      const csrf = (await page.locator('input[name=csrf]').first().getAttribute('value')) ?? '';
      const refused = await page.request.post('/console/policies', {
        form: { csrf, name: 'sneaky', include: 'everyone', usernames: 'root' },
        maxRedirects: 0,
      });
      assert.equal(refused.status(), 403);
      assert.match(await refused.text(), /needs the permission &quot;Access: Apps and Policies: Edit&quot;/);
      assert.equal(
        (await fixture.auditActions('policy.create')).filter((e) => e.actor === `user:${AUDITOR}`).length,
        0,
      );
    });
  });
});
