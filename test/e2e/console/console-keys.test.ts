// The console's SSH CA and session-log key pages in Chromium against a real server: the CA made from its
// empty state, its public key shown with a Copy button, a rotation started, a switch refused with the
// API's reason while an agent does not trust the next CA yet, then cancelled; the auditors' key refused
// at its field when it is not one, set, and removed (logging off for new connections). Every change is
// audited with the person; an auditor sees both pages read-only. Screenshots in test-artifacts/console/.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
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

describe('web console in Chromium: the SSH CA and the session-log key', function () {
  this.timeout(120_000);
  const fixture = useConsoleFixture();

  it('creates the CA, starts a rotation, shows a refused switch with its reason, cancels', async () => {
    await inConsole(fixture, ADMIN, async ({ context, page }) => {
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: fixture.server.url });
      let html = await assertConsolePage(await page.goto('/console/ssh-ca'), 'ssh ca');
      assert.match(html, /no SSH CA yet/);
      await assertLabelled(page, 'ssh ca');
      await page.screenshot({ path: resolve(ARTIFACTS, 'ssh-ca-empty.png'), fullPage: true });
      await assertAccessible(page, 'ssh-ca-empty');
      await Promise.all([
        page.waitForURL(/\/console\/ssh-ca\?done=create$/),
        page.getByRole('button', { name: 'Create the SSH CA' }).click(),
      ]);
      const publicKey = (await page.locator('#ca-key').innerText()).trim();
      assert.match(publicKey, /^ssh-ed25519 AAAA\S+ latchkey-ssh-ca$/);
      const listed = await fixture.server.call('GET', `${fixture.server.base}/access/gateway_ca`);
      assert.equal(listed.body.result[0].public_key, publicKey, 'the key the API lists');
      await page.getByRole('button', { name: 'Copy the public key' }).click();
      await page.getByRole('status').filter({ hasText: 'Copied' }).waitFor();
      assert.equal(await page.evaluate('navigator.clipboard.readText()'), publicKey);
      await assertActor(fixture, 'gateway_ca.create', ADMIN);

      await Promise.all([
        page.waitForURL(/done=start$/),
        page.getByRole('button', { name: 'Start a rotation' }).click(),
      ]);
      assert.match(await page.locator('main').innerText(), /next CA made \(init\)/);
      assert.match(await page.locator('#next-ca-key').innerText(), /^ssh-ed25519 /);

      // An agent heard from now whose sshd does not list the next CA yet: the switch is refused.
      const agent = await enrollAgent(fixture.server, 'web-3');
      await fixture.server.store.agents.recordHeartbeat(
        fixture.server.accountId,
        agent.agentId,
        { version: '0.4.0', distro: 'Debian GNU/Linux 12', sshdConfig: { state: 'trusted' } },
        new Date(),
      );
      const [refused] = await Promise.all([
        page.waitForResponse((response) => response.request().method() === 'POST'),
        page.getByRole('button', { name: 'Switch to the next CA' }).click(),
      ]);
      assert.equal(refused.status(), 409);
      html = await assertConsolePage(refused, 'switch refused');
      const reason = await page.getByRole('alert').innerText();
      assert.match(
        reason,
        /1 agent\(s\) heard from in the last 10 minutes do not trust the next CA yet \(web-3\)/,
      );
      await page.screenshot({ path: resolve(ARTIFACTS, 'ssh-ca-switch-refused.png'), fullPage: true });
      await assertAccessible(page, 'ssh-ca-switch-refused');
      assert.equal((await fixture.auditActions('gateway_ca.rotation.switch')).length, 0, 'not switched');

      await Promise.all([
        page.waitForURL(/done=cancel$/),
        page.getByRole('button', { name: 'Cancel the rotation' }).click(),
      ]);
      assert.match(await page.locator('main').innerText(), /no rotation \(standby\)/);
      await page.screenshot({ path: resolve(ARTIFACTS, 'ssh-ca.png'), fullPage: true });
      await assertAccessible(page, 'ssh-ca');
      for (const action of ['gateway_ca.rotation.start', 'gateway_ca.rotation.cancel']) {
        await assertActor(fixture, action, ADMIN, action);
      }
    });
  });

  it('refuses a key that is not one at its field, sets the auditors’ key, removes it', async () => {
    await inConsole(fixture, ADMIN, async ({ page }) => {
      const html = await assertConsolePage(await page.goto('/console/log-key'), 'log key');
      assert.match(html, /session logging is <strong>off<\/strong>/);
      await assertLabelled(page, 'log key');
      await page.screenshot({ path: resolve(ARTIFACTS, 'log-key-empty.png'), fullPage: true });
      await assertAccessible(page, 'log-key-empty');

      const field = page.getByLabel("Auditors' public key");
      await field.fill(randomBytes(16).toString('base64'));
      const [refused] = await Promise.all([
        page.waitForResponse((response) => response.request().method() === 'POST'),
        page.getByRole('button', { name: 'Set the key' }).click(),
      ]);
      assert.equal(refused.status(), 400);
      assert.equal(await field.getAttribute('aria-invalid'), 'true');
      assert.match(
        await page.locator('#f-public_key-error').innerText(),
        /^\/public_key decodes to 16 bytes; an X25519 public key is exactly 32 bytes$/,
      );
      await page.screenshot({ path: resolve(ARTIFACTS, 'log-key-refused.png'), fullPage: true });
      await assertAccessible(page, 'log-key-refused');
      assert.equal((await fixture.auditActions('audit_ssh_settings.update')).length, 0, 'nothing set');

      const key = randomBytes(32).toString('base64');
      await field.fill(`${key}\n`);
      await Promise.all([
        page.waitForURL(/done=set$/),
        page.getByRole('button', { name: 'Set the key' }).click(),
      ]);
      assert.match(await page.locator('main').innerText(), /Session logging is on/);
      const settings = await fixture.server.call('GET', `${fixture.server.base}/gateway/audit_ssh_settings`);
      assert.equal(settings.body.result.public_key, key);
      await page.screenshot({ path: resolve(ARTIFACTS, 'log-key.png'), fullPage: true });
      await assertAccessible(page, 'log-key');

      assert.match(
        await page.locator('main').innerText(),
        /Removing it turns logging off for new connections/,
      );
      await Promise.all([
        page.waitForURL(/done=removed$/),
        page.getByRole('button', { name: 'Remove the key' }).click(),
      ]);
      await page.getByRole('status').filter({ hasText: 'logging is off for new connections' }).waitFor();
      const off = await fixture.server.call('GET', `${fixture.server.base}/gateway/audit_ssh_settings`);
      assert.equal(off.body.result.public_key, '');
      const updates = await fixture.auditActions('audit_ssh_settings.update');
      assert.equal(updates.length, 2);
      assert.ok(updates.every((event) => event.actor === `user:${ADMIN}`));
    });
  });

  it('an auditor sees both pages without any form to change them', async () => {
    await inConsole(fixture, AUDITOR, async ({ page }) => {
      for (const path of ['/console/ssh-ca', '/console/log-key']) {
        const html = await assertConsolePage(await page.goto(path), path);
        assert.doesNotMatch(html, /<form method="post" action="\/console\/(ssh-ca|log-key)/, path);
        assert.doesNotMatch(html, /<form class="(inline|stack)" method="post"/, path);
        assert.doesNotMatch(html, /ssh-ca\/delete/, path);
      }
      assert.equal((await page.goto('/console/ssh-ca/delete'))?.status(), 403);
      // With this sign-in's own CSRF token (its sign-out form has it), the permission still refuses.
      const csrf = (await page.locator('input[name=csrf]').first().getAttribute('value')) ?? '';
      const refused = await page.request.post('/console/log-key/remove', { form: { csrf }, maxRedirects: 0 });
      assert.equal(refused.status(), 403);
      assert.match(await refused.text(), /needs the permission &quot;Access: SSH Auditing: Edit&quot;/);
    });
  });

  it('deletes the CA after a confirmation that says what it does; refusals shown with the API’s reason', async () => {
    const { server } = fixture;
    await inConsole(fixture, ADMIN, async ({ page }) => {
      await assertConsolePage(await page.goto('/console/ssh-ca'), 'ssh ca');
      await Promise.all([
        page.waitForURL(/\/console\/ssh-ca\/delete$/),
        page.getByRole('link', { name: 'Delete the SSH CA…' }).click(),
      ]);
      let html = await assertConsolePage(await page.reload(), 'ssh ca delete');
      assert.doesNotMatch(html, /<script/, 'no script on the confirmation');
      assert.match(await page.locator('main').innerText(), /certificates it signed stop working/);
      await assertLabelled(page, 'ssh ca delete');
      await page.screenshot({ path: resolve(ARTIFACTS, 'ssh-ca-delete.png'), fullPage: true });
      await assertAccessible(page, 'ssh-ca-delete');

      // Refused without the confirmation: at the checkbox; nothing deleted.
      const csrf = (await page.locator('input[name=csrf]').first().getAttribute('value')) ?? '';
      const unconfirmed = await page.request.post('/console/ssh-ca/delete', {
        form: { csrf },
        maxRedirects: 0,
      });
      assert.equal(unconfirmed.status(), 400);
      assert.match(await unconfirmed.text(), /id="f-confirm-error">Tick the box to confirm/);

      // Refused by the API while a rotation is under way: its reason, shown on the page.
      const started = await server.call('POST', `${server.base}/latchkey/ca_rotation`, {
        body: { action: 'start' },
      });
      assert.equal(started.status, 200, JSON.stringify(started.body));
      await page.getByLabel(/I understand/).check();
      const [refused] = await Promise.all([
        nextPost(page),
        page.getByRole('button', { name: 'Delete the SSH CA' }).click(),
      ]);
      assert.equal(refused.status(), 409);
      html = await assertConsolePage(refused, 'ssh ca delete refused');
      assert.match(await page.getByRole('alert').innerText(), /a CA rotation is under way/);
      await assertAccessible(page, 'ssh-ca-delete-refused');
      assert.equal((await fixture.auditActions('gateway_ca.delete')).length, 0, 'nothing deleted');
      const cancelled = await server.call('POST', `${server.base}/latchkey/ca_rotation`, {
        body: { action: 'cancel' },
      });
      assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));

      await page.getByLabel(/I understand/).check();
      await Promise.all([
        page.waitForURL(/\/console\/ssh-ca\?done=delete$/),
        page.getByRole('button', { name: 'Delete the SSH CA' }).click(),
      ]);
      assert.match(await page.getByRole('status').innerText(), /The SSH CA is deleted/);
      assert.match(await page.locator('main').innerText(), /no SSH CA yet/);
      await assertAccessible(page, 'ssh-ca-deleted');
      const listed = await server.call('GET', `${server.base}/access/gateway_ca`);
      assert.deepEqual(listed.body.result, [], 'the API lists none');
      await assertActor(fixture, 'gateway_ca.delete', ADMIN);
    });
  });
});
