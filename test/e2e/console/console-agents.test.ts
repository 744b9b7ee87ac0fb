// The console's join-token and agent pages in Chromium against a real server: a token made with a name
// and an expiry shows its install line once with a working Copy button (copy.js, no inline script), a
// refused expiry shows the API's message at its field and makes nothing, the token enrols a host, the
// agent shows with its version, heartbeat, health, front and recording mode, and removing it and revoking
// the token are audited with the person. Screenshots in test-artifacts/console/.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import {
  ADMIN,
  ARTIFACTS,
  AUDITOR,
  assertAccessible,
  assertConsolePage,
  assertLabelled,
  inConsole,
  useConsoleFixture,
} from './console-fixture.js';

describe('web console in Chromium: join tokens and agents', function () {
  this.timeout(120_000);
  const fixture = useConsoleFixture();

  it('makes a join token with its install line and Copy button; a refused expiry is shown at its field', async () => {
    await inConsole(fixture, ADMIN, async ({ context, page }) => {
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: fixture.server.url });
      let html = await assertConsolePage(await page.goto('/console/join-tokens'), 'join tokens');
      assert.match(html, /No join tokens yet/);
      assert.doesNotMatch(html, /<script/, 'no script until there is a line to copy');
      await assertLabelled(page, 'join tokens');
      await page.screenshot({ path: resolve(ARTIFACTS, 'join-tokens-empty.png'), fullPage: true });
      await assertAccessible(page, 'join-tokens-empty');

      // Refused: 10,000 hours is more than the API's 366 days. Its message is at the field; nothing made.
      await page.getByLabel('Name').fill('web servers');
      await page.getByLabel('Expires in (hours)').fill('10000');
      const [refused] = await Promise.all([
        page.waitForResponse((response) => response.request().method() === 'POST'),
        page.getByRole('button', { name: 'Make the join token' }).click(),
      ]);
      assert.equal(refused.status(), 400);
      const expiry = page.getByLabel('Expires in (hours)');
      assert.equal(await expiry.getAttribute('aria-invalid'), 'true');
      assert.match(await page.locator('#f-expires_in_hours-error').innerText(), /expires_in_seconds/);
      assert.equal(await page.getByLabel('Name').inputValue(), 'web servers', 'the form keeps its values');
      await page.screenshot({ path: resolve(ARTIFACTS, 'join-tokens-refused.png'), fullPage: true });
      await assertAccessible(page, 'join-tokens-refused');
      assert.equal((await fixture.auditActions('join_token.create')).length, 0, 'nothing was made');

      await expiry.fill('48');
      const [made] = await Promise.all([
        page.waitForResponse((response) => response.request().method() === 'POST'),
        page.getByRole('button', { name: 'Make the join token' }).click(),
      ]);
      assert.equal(made.status(), 201);
      html = await assertConsolePage(made, 'join token made');
      const line = await page.locator('#install-line').innerText();
      const secret = /--token (lkj_[A-Za-z0-9_-]+)/.exec(line)?.[1];
      assert.ok(secret, line);
      assert.ok(
        line.startsWith(`curl -fsSL ${fixture.server.url}/install.sh | sudo bash -s -- --token `),
        line,
      );
      await page.getByRole('button', { name: 'Copy the install line' }).click();
      await page.getByRole('status').filter({ hasText: 'Copied' }).waitFor();
      assert.equal(await page.evaluate('navigator.clipboard.readText()'), line);
      await page.screenshot({ path: resolve(ARTIFACTS, 'join-token-made.png'), fullPage: true });
      await assertAccessible(page, 'join-token-made');
      const creates = await fixture.auditActions('join_token.create');
      assert.equal(creates.length, 1);
      assert.equal(creates[0]!.actor, `user:${ADMIN}`);

      // The secret enrols a host; the page shows it once only.
      const enrolled = await fixture.server.call('POST', '/v1/agents/enroll', {
        token: null,
        body: { join_token: secret, hostname: 'web-7', agent: { version: '0.3.1', distro: 'debian 12' } },
      });
      assert.equal(enrolled.status, 200, JSON.stringify(enrolled.body));
      html = await assertConsolePage(await page.goto('/console/join-tokens'), 'join tokens listed');
      assert.ok(!html.includes(secret), 'the secret is not shown again');
      assert.match(
        await page.locator('tbody tr').first().innerText(),
        /web servers[\s\S]*1 of 1[\s\S]*used up/,
      );

      await Promise.all([
        page.waitForURL(/\/console\/join-tokens\?revoked=/),
        page.getByRole('button', { name: /^Revoke/ }).click(),
      ]);
      await page.getByRole('status').filter({ hasText: 'web servers is revoked' }).waitFor();
      assert.match(await page.locator('tbody tr').first().innerText(), /revoked/);
      const revokes = await fixture.auditActions('join_token.revoke');
      assert.equal(revokes[0]?.actor, `user:${ADMIN}`);
    });
  });

  it('lists agents with version, heartbeat, health, front and recording mode; removes one', async () => {
    const server = fixture.server;
    const token = await server.call('POST', `${server.base}/latchkey/join_tokens`, { body: { name: 'db' } });
    assert.equal(token.status, 200);
    const enrolled = await server.call('POST', '/v1/agents/enroll', {
      token: null,
      body: {
        join_token: token.body.result.token,
        hostname: 'db-1',
        agent: { version: '0.4.0', distro: 'debian 12' },
      },
    });
    assert.equal(enrolled.status, 200, JSON.stringify(enrolled.body));
    const agentId: string = enrolled.body.result.agent_id;
    await server.store.agents.recordHeartbeat(
      server.accountId,
      agentId,
      {
        version: '0.4.0',
        distro: 'Debian GNU/Linux 12',
        sshdConfig: { state: 'trusted' },
        recording: { recorderCommand: 'latchkey-agent front', mode: 'strict' },
        front: {
          port: 2022,
          hostKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEr6dtVkOq7ZQ6F4nT3YtRZs8n7sQ0yqJx5bqkq0vMlN',
        },
        sessions: [],
      },
      new Date(),
    );

    await inConsole(fixture, ADMIN, async ({ page }) => {
      await assertConsolePage(await page.goto('/console/agents'), 'agents');
      await assertLabelled(page, 'agents');
      const row = page.locator('tbody tr').filter({ hasText: 'db-1' });
      assert.match(
        await row.innerText(),
        /db-1[\s\S]*0\.4\.0[\s\S]*online[\s\S]*sshd trusted[\s\S]*port 2022[\s\S]*strict/,
      );
      assert.match(
        await page.locator('tbody tr').filter({ hasText: 'web-7' }).innerText(),
        /never[\s\S]*offline/,
      );
      await page.screenshot({ path: resolve(ARTIFACTS, 'agents.png'), fullPage: true });
      await assertAccessible(page, 'agents');

      // Refused: an agent that no longer exists (removed elsewhere meanwhile) is said so, and nothing changes.
      const csrf = await page.locator('input[name=csrf]').first().getAttribute('value');
      const missing = await page.request.post('/console/agents/00000000-0000-4000-8000-000000000000/remove', {
        form: { csrf: csrf ?? '' },
        maxRedirects: 0,
      });
      assert.equal(missing.status(), 404);
      assert.match(await missing.text(), /role="alert">[^<]*agent/);

      await row.getByLabel('keep its target').check();
      await Promise.all([
        page.waitForURL(/\/console\/agents\?removed=db-1$/),
        row.getByRole('button', { name: /^Remove/ }).click(),
      ]);
      await page.getByRole('status').filter({ hasText: 'db-1 is removed' }).waitFor();
      assert.equal(await page.locator('tbody tr').filter({ hasText: 'db-1' }).count(), 0);
      await page.screenshot({ path: resolve(ARTIFACTS, 'agent-removed.png'), fullPage: true });
      await assertAccessible(page, 'agent-removed');
      const deletes = await fixture.auditActions('agent.delete');
      assert.ok(deletes.some((event) => event.actor === `user:${ADMIN}` && event.resource_id === agentId));
      assert.equal((await fixture.auditActions('target.delete')).length, 0, 'its target was kept');
      const refused = await server.call('POST', '/v1/agents/heartbeat', {
        token: enrolled.body.result.api_token,
        body: { version: '0.4.0', distro: 'debian 12', sshd_config: { state: 'trusted' } },
      });
      assert.equal(refused.status, 401, 'its credential is revoked');
    });
  });

  it('replaces an agent: a one-use join token shown once with its install line and Copy button', async () => {
    const server = fixture.server;
    const token = await server.call('POST', `${server.base}/latchkey/join_tokens`, { body: { name: 'app' } });
    const enrolled = await server.call('POST', '/v1/agents/enroll', {
      token: null,
      body: {
        join_token: token.body.result.token,
        hostname: 'app-1',
        agent: { version: '0.4.0', distro: 'debian 12' },
      },
    });
    assert.equal(enrolled.status, 200, JSON.stringify(enrolled.body));
    const agentId: string = enrolled.body.result.agent_id;

    await inConsole(fixture, ADMIN, async ({ context, page }) => {
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: fixture.server.url });
      await assertConsolePage(await page.goto('/console/agents'), 'agents');

      // Refused: an agent that no longer exists; the API's message, and no token made.
      const csrf = await page.locator('input[name=csrf]').first().getAttribute('value');
      const missing = await page.request.post(
        '/console/agents/00000000-0000-4000-8000-000000000000/replace',
        { form: { csrf: csrf ?? '' }, maxRedirects: 0 },
      );
      assert.equal(missing.status(), 404);
      assert.match(await missing.text(), /role="alert">[^<]*agent/);
      assert.equal((await fixture.auditActions('agent.replace')).length, 0, 'nothing was made');

      const row = page.locator('tbody tr').filter({ hasText: 'app-1' });
      const [made] = await Promise.all([
        page.waitForResponse((response) => response.request().method() === 'POST'),
        row.getByRole('button', { name: /^Replace/ }).click(),
      ]);
      assert.equal(made.status(), 201);
      const html = await assertConsolePage(made, 'replacement made');
      const line = await page.locator('#install-line').innerText();
      const secret = /--token (lkj_[A-Za-z0-9_-]+)/.exec(line)?.[1];
      assert.ok(secret, line);
      assert.ok(
        line.startsWith(`curl -fsSL ${fixture.server.url}/install.sh | sudo bash -s -- --token `),
        line,
      );
      assert.match(html, /replace agent app-1/);
      await page.getByRole('button', { name: 'Copy the install line' }).click();
      await page.getByRole('status').filter({ hasText: 'Copied' }).waitFor();
      assert.equal(await page.evaluate('navigator.clipboard.readText()'), line);
      await page.screenshot({ path: resolve(ARTIFACTS, 'agent-replace.png'), fullPage: true });
      await assertAccessible(page, 'agent-replace');
      const replaces = await fixture.auditActions('agent.replace');
      assert.equal(replaces.length, 1);
      assert.equal(replaces[0]!.actor, `user:${ADMIN}`);
      assert.equal(replaces[0]!.resource_id, agentId);

      // The secret re-enrols a host as that same agent.
      const again = await server.call('POST', '/v1/agents/enroll', {
        token: null,
        body: { join_token: secret, hostname: 'app-1', agent: { version: '0.4.1', distro: 'debian 12' } },
      });
      assert.equal(again.status, 200, JSON.stringify(again.body));
      assert.equal(again.body.result.agent_id, agentId, 'the same agent');
      const shown = await assertConsolePage(await page.goto('/console/agents'), 'agents again');
      assert.ok(!shown.includes(secret), 'the secret is not shown again');
    });
  });

  it('an auditor has neither page', async () => {
    await inConsole(fixture, AUDITOR, async ({ page }) => {
      const nav = await page.getByRole('navigation', { name: 'Console' }).innerText();
      assert.doesNotMatch(nav, /Agents|Join tokens/);
      assert.equal((await page.request.get('/console/agents')).status(), 403);
      assert.equal((await page.request.get('/console/join-tokens')).status(), 403);
    });
  });
});
