// The whole admin flow, from an empty server, in Chromium: the admin signs in to the console, makes the
// SSH CA, adds a person's account, makes a join token (and an agent enrols with its secret, as the
// installer's agent does, registering its host as a target), makes a policy for the person and an app
// for the target that links it. The person then signs in (the device flow, as `latchkey login`) and gets
// a certificate for that target as the policy's UNIX user: the console's changes really grant access.
// Then the admin takes the policy off the app and deletes it, and the person is refused.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { generateSshKeyPair, parseCertificate } from '@latchkey/shared';
import { getJson, postJson, signInBuiltIn } from '../../server/sign-in/sign-in-client.js';
import {
  ADMIN,
  ARTIFACTS,
  assertAccessible,
  assertActor,
  inConsole,
  useConsoleFixture,
} from './console-fixture.js';

const BOB = 'bob@example.com';
const BOB_PASSWORD = 'bob’s own password';

describe('web console in Chromium: the admin flow, from an empty server to a certificate', function () {
  this.timeout(180_000);
  const fixture = useConsoleFixture();

  it('grants a person access to a target through the console, then takes it away', async () => {
    const { server } = fixture;
    await inConsole(fixture, ADMIN, async ({ page }) => {
      // The SSH CA.
      await page.goto('/console/ssh-ca');
      await Promise.all([
        page.waitForURL(/done=create$/),
        page.getByRole('button', { name: 'Create the SSH CA' }).click(),
      ]);

      // The person's account.
      await page.goto('/console/people');
      await page.getByLabel('Email', { exact: true }).fill(BOB);
      await page.getByLabel('Password', { exact: true }).fill(BOB_PASSWORD);
      await Promise.all([
        page.waitForURL(/done=added/),
        page.getByRole('button', { name: 'Add the account' }).click(),
      ]);

      // A join token; an agent enrols with the secret of its install line and registers its target.
      await page.goto('/console/join-tokens');
      await page.getByLabel('Name', { exact: true }).fill('web servers');
      await Promise.all([
        page.waitForResponse((response) => response.request().method() === 'POST'),
        page.getByRole('button', { name: 'Make the join token' }).click(),
      ]);
      const installLine = await page.locator('#install-line').innerText();
      const secret = /--token (\S+)/.exec(installLine)?.[1];
      assert.ok(secret, installLine);
      const enrolled = await server.call('POST', '/v1/agents/enroll', {
        token: null,
        body: { join_token: secret, hostname: 'web-1', agent: { version: '0.1.0', distro: 'debian 12' } },
      });
      assert.equal(enrolled.status, 200, JSON.stringify(enrolled.body));
      const registered = await server.call(
        'POST',
        `/v1/agents/client/v4/accounts/${server.accountId}/infrastructure/targets`,
        {
          token: enrolled.body.result.api_token,
          body: { hostname: 'web-1', ip: { ipv4: { ip_addr: '10.20.0.1' } } },
        },
      );
      assert.equal(registered.status, 200, JSON.stringify(registered.body));
      const targetId: string = registered.body.result.id;
      await page.goto('/console/targets');
      assert.match(await page.locator('tbody tr').first().innerText(), /web-1[\s\S]*10\.20\.0\.1/);

      // The person, before any policy: the target is not theirs.
      const before = await signInBuiltIn(server.url, BOB, BOB_PASSWORD);
      const refusedFirst = await postJson(server.url, '/v1/me/certificates', before.access_token, {
        target_id: targetId,
        username: 'deploy',
        public_key: generateSshKeyPair('ed25519').publicKey.toAuthorizedKey(),
      });
      assert.equal(refusedFirst.status, 403, JSON.stringify(refusedFirst.body));

      // A policy for the person, and an app for the target that links it.
      await page.goto('/console/policies');
      await page.getByLabel('Name', { exact: true }).fill('bob deploys');
      await page.getByLabel('Include (any of these)').fill(`email: ${BOB}`);
      await page.getByLabel('UNIX usernames').fill('deploy');
      await Promise.all([
        page.waitForURL(/done=made$/),
        page.getByRole('button', { name: 'Make the policy' }).click(),
      ]);
      await page.goto('/console/apps');
      await page.getByLabel('Name', { exact: true }).fill('web');
      await page.getByLabel('Target hostnames').fill('web-1');
      await page.getByLabel('bob deploys').check();
      await Promise.all([
        page.waitForURL(/done=made$/),
        page.getByRole('button', { name: 'Make the app' }).click(),
      ]);
      await page.screenshot({ path: resolve(ARTIFACTS, 'admin-flow-apps.png'), fullPage: true });
      await assertAccessible(page, 'admin flow: apps');

      // The person now reaches the target as deploy, and gets a certificate for it.
      const tokens = await signInBuiltIn(server.url, BOB, BOB_PASSWORD);
      const mine = await getJson(server.url, '/v1/me/targets', tokens.access_token);
      assert.equal(mine.status, 200);
      const reachable = (mine.body.result as { id: string; usernames: string[] }[]).find(
        (target) => target.id === targetId,
      );
      assert.deepEqual(reachable?.usernames, ['deploy']);
      const issued = await postJson(server.url, '/v1/me/certificates', tokens.access_token, {
        target_id: targetId,
        username: 'deploy',
        public_key: generateSshKeyPair('ed25519').publicKey.toAuthorizedKey(),
      });
      assert.equal(issued.status, 200, JSON.stringify(issued.body));
      assert.deepEqual(parseCertificate(issued.body.result.certificate).principals, ['deploy']);

      // The admin takes the policy off the app, then deletes it: the person is refused.
      await page.getByRole('link', { name: 'Edit app web' }).click();
      await page.getByLabel('bob deploys').uncheck();
      await Promise.all([
        page.waitForURL(/done=saved$/),
        page.getByRole('button', { name: 'Save the app' }).click(),
      ]);
      await page.goto('/console/policies');
      await Promise.all([
        page.waitForURL(/done=deleted$/),
        page.getByRole('button', { name: /^Delete/ }).click(),
      ]);
      const refused = await postJson(server.url, '/v1/me/certificates', tokens.access_token, {
        target_id: targetId,
        username: 'deploy',
        public_key: generateSshKeyPair('ed25519').publicKey.toAuthorizedKey(),
      });
      assert.equal(refused.status, 403, JSON.stringify(refused.body));
      const after = await getJson(server.url, '/v1/me/targets', tokens.access_token);
      assert.equal(
        (after.body.result as { id: string }[]).some((target) => target.id === targetId),
        false,
        'the target is no longer the person’s',
      );

      // Every change was the admin's, in the audit log.
      for (const action of [
        'gateway_ca.create',
        'user.create',
        'join_token.create',
        'policy.create',
        'access_app.create',
        'access_app.update',
        'policy.delete',
      ]) {
        await assertActor(fixture, action, ADMIN, action);
      }
    });
  });
});
