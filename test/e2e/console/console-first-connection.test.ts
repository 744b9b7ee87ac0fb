// Issue #15's admin flow, the whole way: from an empty server, an admin uses only the console (in Chromium)
// to make the SSH CA, a virtual network, the session-log key, a person's account and a join token; a real
// `latchkey-agent` enrols with that token's secret into that network, makes a real sshd trust its host CA
// and appears on the console's agents and targets pages; the admin makes a policy and an app for it; the
// person then connects with OpenSSH through the agent's SSH front, and the auditor finds the session's log
// on the console's logs page. (console-admin-flow.test.ts shows the same grants taken away again.)
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encodeAuditorKey, generateHpkeKeyPair } from '@latchkey/shared';
import {
  createTestUser,
  eventually,
  generateKeyWithSshKeygen,
  registerCleanup,
  removeTestUser,
  runCommand,
  startSshd,
} from '../../harness/index.js';
import { postJson, signInBuiltIn } from '../../server/sign-in/sign-in-client.js';
import { runAgent, startAgent } from '../agent/agent-process.js';
import {
  ADMIN,
  ARTIFACTS,
  AUDITOR,
  assertAccessible,
  inConsole,
  useConsoleFixture,
} from './console-fixture.js';

const BOB = 'bob@example.com';
const BOB_PASSWORD = 'bob’s own password';

describe('web console in Chromium: from an empty server to a person connecting through a real agent', function () {
  this.timeout(300_000);
  const fixture = useConsoleFixture();

  it('an admin sets everything up in the console; the person connects; the auditor finds the log', async () => {
    const { server } = fixture;
    const base = await mkdtemp(path.join(tmpdir(), 'latchkey-console-first-'));
    registerCleanup(`console first-connection dir ${base}`, () => rm(base, { recursive: true, force: true }));
    const user = await createTestUser();
    registerCleanup(`test user ${user.name}`, () => removeTestUser(user));
    const sshd = await startSshd();
    const auditor = generateHpkeKeyPair();
    let secret = '';

    await inConsole(fixture, ADMIN, async ({ page }) => {
      await page.goto('/console/ssh-ca');
      await Promise.all([
        page.waitForURL(/done=create$/),
        page.getByRole('button', { name: 'Create the SSH CA' }).click(),
      ]);
      await page.goto('/console/networks');
      await page.getByLabel('Name').fill('office');
      await Promise.all([
        page.waitForURL(/done=network$/),
        page.getByRole('button', { name: 'Make the virtual network' }).click(),
      ]);
      await page.goto('/console/log-key');
      await page.getByLabel("Auditors' public key").fill(encodeAuditorKey(auditor.publicKey));
      await Promise.all([
        page.waitForResponse((response) => response.request().method() === 'POST'),
        page.getByRole('button', { name: 'Set the key' }).click(),
      ]);
      await page.goto('/console/people');
      await page.getByLabel('Email', { exact: true }).fill(BOB);
      await page.getByLabel('Password', { exact: true }).fill(BOB_PASSWORD);
      await Promise.all([
        page.waitForURL(/done=added/),
        page.getByRole('button', { name: 'Add the account' }).click(),
      ]);
      await page.goto('/console/join-tokens');
      await page.getByLabel('Name', { exact: true }).fill('office servers');
      await Promise.all([
        page.waitForResponse((response) => response.request().method() === 'POST'),
        page.getByRole('button', { name: 'Make the join token' }).click(),
      ]);
      const installLine = await page.locator('#install-line').innerText();
      secret = /--token (\S+)/.exec(installLine)?.[1] ?? '';
      assert.ok(secret, installLine);
    });

    // A real agent on this machine enrols with the console's join token, into the console's network.
    const stateDir = path.join(base, 'agent-state');
    const enrolled = await runAgent([
      ...['enroll', '--server', server.url, '--token', secret, '--state-dir', stateDir],
      ...['--hostname', 'office-1', '--interface', 'lo', '--vnet', 'office'],
    ]);
    assert.equal(enrolled.code, 0, enrolled.stderr);
    const agent = startAgent(
      [
        ...['--state-dir', stateDir, '--sshd-config', sshd.configPath, '--ssh-dir', sshd.dir],
        ...['--ca-path', `${sshd.dir}/ca.pub`, '--sshd-pid-file', `${sshd.dir}/sshd.pid`],
        ...['--interval', '2', '--front-listen', '127.0.0.1:0'],
      ],
      { cleanup: false },
    );
    registerCleanup('the first-connection agent', async () => {
      await agent.stop();
    });
    await agent.waitForOutput(/sshd now trusts the CA/, 60_000);
    await agent.waitForOutput(/session recording is on/, 60_000);
    const frontPort = Number(/ssh front listening on 127\.0\.0\.1:(\d+)/.exec(agent.output())?.[1]);
    assert.ok(frontPort > 0, agent.output());

    await inConsole(fixture, ADMIN, async ({ page }) => {
      // The agent appears, and so does its target, in the console's network.
      await eventually('the agent on the agents page', 30_000, async () => {
        await page.goto('/console/agents');
        return /office-1/.test(await page.locator('main').innerText()) ? true : undefined;
      });
      await page.goto('/console/targets');
      assert.match(await page.locator('main').innerText(), /office-1[\s\S]*office/);

      // A policy for the person as the test's UNIX user, and an app for the target that links it.
      await page.goto('/console/policies');
      await page.getByLabel('Name', { exact: true }).fill('bob in the office');
      await page.getByLabel('Include (any of these)').fill(`email: ${BOB}`);
      await page.getByLabel('UNIX usernames').fill(user.name);
      await Promise.all([
        page.waitForURL(/done=made$/),
        page.getByRole('button', { name: 'Make the policy' }).click(),
      ]);
      await page.goto('/console/apps');
      await page.getByLabel('Name', { exact: true }).fill('office');
      await page.getByLabel('Target hostnames').fill('office-1');
      await page.getByLabel('bob in the office').check();
      await Promise.all([
        page.waitForURL(/done=made$/),
        page.getByRole('button', { name: 'Make the app' }).click(),
      ]);
    });

    // The person connects with OpenSSH through the agent's front, with a certificate for this target.
    const tokens = await signInBuiltIn(server.url, BOB, BOB_PASSWORD);
    const targets = await server.call('GET', '/v1/me/targets', { token: tokens.access_token });
    assert.equal(targets.status, 200, JSON.stringify(targets.body));
    const target = (targets.body.result as { id: string; hostname: string }[]).find(
      (entry) => entry.hostname === 'office-1',
    );
    assert.ok(target, JSON.stringify(targets.body));
    const key = await generateKeyWithSshKeygen(path.join(base, 'id_ed25519'));
    const issued = await postJson(server.url, '/v1/me/certificates', tokens.access_token, {
      target_id: target.id,
      username: user.name,
      public_key: key.publicKey,
    });
    assert.equal(issued.status, 200, JSON.stringify(issued.body));
    const certificateFile = `${key.privateKeyPath}-cert.pub`;
    await writeFile(certificateFile, `${issued.body.result.certificate}\n`);
    const connected = await runCommand(
      '/usr/bin/ssh',
      [
        ...['-F', '/dev/null', '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-o', 'IdentityAgent=none'],
        ...['-o', `IdentityFile=${key.privateKeyPath}`, '-o', `CertificateFile=${certificateFile}`],
        // The front's host certificate is checked by latchkey's own tests; this one is about the console.
        ...['-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null'],
        ...['-p', String(frontPort), `${user.name}@127.0.0.1`, 'echo connected-$((6*7))'],
      ],
      { timeoutMs: 60_000 },
    );
    assert.equal(connected.code, 0, `${connected.stderr}\n${agent.output()}`);
    assert.match(connected.stdout, /connected-42/);

    // The auditor finds the session's log (recorded by the front, uploaded by the agent) on the console.
    await inConsole(fixture, AUDITOR, async ({ page }) => {
      await eventually('the session log on the logs page', 60_000, async () => {
        await page.goto('/console/logs');
        const text = await page.locator('main').innerText();
        return text.includes('office-1') && text.includes(user.name) ? true : undefined;
      });
      await page.screenshot({ path: path.join(ARTIFACTS, 'first-connection-logs.png'), fullPage: true });
      await assertAccessible(page, 'first connection: logs');
    });
  });
});
