// The VS Code extension in a real VS Code (code-server 4.139.1 = VS Code OSS 1.139.1 on Node 24, driven by
// headless Chromium; see ../shared/spec/vscode-testing.md), against a real Latchkey server and a real
// sshd that trusts only the account's CA:
//   1. the extension's own mocha suite (in-host/) inside the real extension host: sign-in, the tree,
//      a terminal running `id -un`, a refused username, sign-out;
//   2. UI steps on the installed .vsix with Playwright, a screenshot of each in test-artifacts/extension/.
// The host is installed once by scripts/install-vscode-test-host.sh. Without it the suite FAILS in CI
// (CI=true) and is skipped locally with the command to run.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import type { Page } from 'playwright-core';
import { createTempDir, createTestUser, runCommandOrThrow, startSshd } from '../../harness/index.js';
import type { RunningSshd, TempDir, TestUser } from '../../harness/index.js';
import { approveDeviceCode } from '../../support/device-approval.js';
import { startTestServer } from '../../server/support/test-server.js';
import type { Json, TestServer } from '../../server/support/test-server.js';
import {
  findVscodeTestHost,
  launchChromium,
  runExtensionHostTests,
  startCodeServer,
} from './support/vscode-test-host.js';
import type { RunningCodeServer, VscodeTestHost } from './support/vscode-test-host.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '../../..');
const extensionDir = join(repo, 'extension');
const hostTestsDir = join(extensionDir, 'dist/host-tests');
const artifacts = join(repo, 'test-artifacts/extension');
const EMAIL = 'dev@example.com';
const PASSWORD = 'dev password';

describe('e2e/extension: the VS Code extension in a real VS Code (code-server) against a real server and sshd', function () {
  this.timeout(180_000);
  let host: VscodeTestHost;
  let server: TestServer;
  let sshd: RunningSshd;
  let user: TestUser;
  let dir: TempDir;
  let codeServer: RunningCodeServer;
  let vsix: string;
  let expectedTree: Array<[string, string, string, string[]]>;

  async function admin(method: 'POST' | 'GET', path: string, body?: unknown): Promise<Json> {
    const answer = await server.call(method, `${server.base}${path}`, body === undefined ? {} : { body });
    assert.ok(answer.status < 300, `${method} ${path}: ${JSON.stringify(answer.body)}`);
    return answer.body.result;
  }

  before(async function () {
    const found = findVscodeTestHost();
    if ('missing' in found) {
      const how = `the VS Code test host is not installed (${found.missing} is missing): run scripts/install-vscode-test-host.sh (about 4-6 minutes, once)`;
      if (process.env.CI === 'true') throw new Error(how);
      console.log(`      skipped: ${how}`);
      this.skip();
    }
    host = found as VscodeTestHost;
    await mkdir(artifacts, { recursive: true });

    // The extension as shipped (bundle + .vsix), and the in-host suite bundled next to it.
    await runCommandOrThrow(process.execPath, [join(extensionDir, 'build.mjs'), '--package']);
    vsix = join(extensionDir, 'dist/latchkey-vscode-0.1.0.vsix');
    await esbuild.build({
      entryPoints: [join(here, 'in-host/index.ts'), join(here, 'in-host/latchkey-in-host.ts')],
      outdir: hostTestsDir,
      outExtension: { '.js': '.cjs' },
      bundle: true,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      conditions: ['latchkey-source'],
      external: ['vscode', 'mocha', 'cpu-features', '*.node'],
      logLevel: 'warning',
    });

    // The server side: a CA trusted by sshd, two allowed targets in two networks, one target nobody may reach.
    server = await startTestServer({ listen: true });
    dir = await createTempDir('vscode-e2e');
    const ca = await admin('POST', '/access/gateway_ca');
    await writeFile(dir.file('ca.pub'), `${ca.public_key}\n`);
    user = await createTestUser();
    sshd = await startSshd({ settings: { TrustedUserCAKeys: dir.file('ca.pub') } });
    const lab = await admin('POST', '/teamnet/virtual_networks', { name: 'lab' });
    const defaultNetwork = (await admin('GET', '/teamnet/virtual_networks')).find(
      (n: Json) => n.is_default_network,
    );
    await admin('POST', '/infrastructure/targets', {
      hostname: 'box-1',
      ip: { ipv4: { ip_addr: '127.0.0.1' } },
    });
    await admin('POST', '/infrastructure/targets', {
      hostname: 'box-2',
      ip: { ipv4: { ip_addr: '127.0.0.1', virtual_network_id: lab.id } },
    });
    await admin('POST', '/infrastructure/targets', {
      hostname: 'box-hidden',
      ip: { ipv4: { ip_addr: '127.0.0.3' } },
    });
    await admin('POST', '/access/apps', {
      name: 'dev boxes',
      type: 'infrastructure',
      target_criteria: [
        { target_attributes: { hostname: ['box-1', 'box-2'] }, port: sshd.port, protocol: 'SSH' },
      ],
      policies: [
        {
          name: 'developers',
          decision: 'allow',
          include: [{ email: { email: EMAIL } }],
          connection_rules: { ssh: { usernames: [user.name, 'deploy'] } },
        },
      ],
    });
    await admin('POST', '/access/apps', {
      name: 'hidden box',
      type: 'infrastructure',
      target_criteria: [
        { target_attributes: { hostname: ['box-hidden'] }, port: sshd.port, protocol: 'SSH' },
      ],
      policies: [
        {
          name: 'someone else',
          decision: 'allow',
          include: [{ email: { email: 'someone@example.com' } }],
          connection_rules: { ssh: { usernames: ['root'] } },
        },
      ],
    });
    await server.addUser(EMAIL, PASSWORD);
    const usernames = ['deploy', user.name].sort();
    expectedTree = [
      [defaultNetwork.name, 'box-1', '127.0.0.1', usernames],
      ['lab', 'box-2', '127.0.0.1', usernames],
    ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))) as typeof expectedTree;

    codeServer = await startCodeServer(host, {
      runDir: dir.file('code-server'),
      workspace: dir.path,
      settings: { 'latchkey.serverUrl': server.url },
      vsix,
    });
  });

  after(async () => {
    await codeServer?.stop();
    await sshd?.stop();
    await server?.close();
    await dir?.remove();
  });

  it('the extension-host suite passes: sign-in, exactly the allowed targets, `id -un` in a terminal, a refused username, sign-out', async () => {
    const browser = await launchChromium(host, codeServer.env);
    try {
      const { exitCode, log } = await runExtensionHostTests(browser, codeServer, {
        extensionPath: extensionDir,
        testsPath: join(hostTestsDir, 'index.cjs'),
        workspace: dir.path,
        env: {
          LATCHKEY_E2E: JSON.stringify({
            serverUrl: server.url,
            email: EMAIL,
            password: PASSWORD,
            tree: expectedTree,
            hostname: 'box-1',
            username: user.name,
            refusedUsername: 'root',
            refusal: 'you may not log in to box-1 as root',
          }),
        },
        timeoutMs: 120_000,
      });
      await writeFile(join(artifacts, 'extension-host-tests.log'), log);
      console.log(log.replace(/^/gm, '      | '));
      assert.equal(exitCode, 0, `the extension-host suite failed (exit ${exitCode}); its log is above`);
    } finally {
      await browser.close();
    }
  });

  describe('UI of the installed .vsix (Playwright, screenshots in test-artifacts/extension/)', () => {
    let page: Page;
    let step = 0;
    const shot = (name: string) =>
      page.screenshot({ path: join(artifacts, `${String(++step).padStart(2, '0')}-${name}.png`) });

    async function runCommand(title: string): Promise<void> {
      // F1 can be swallowed while focus moves (e.g. a terminal closing): retry until the palette shows.
      const input = page.locator('.quick-input-widget input');
      for (let attempt = 1; ; attempt++) {
        await page.keyboard.press('F1');
        try {
          await input.waitFor({ state: 'visible', timeout: 5000 });
          break;
        } catch (error) {
          if (attempt === 3) throw error;
          await page
            .locator('.part.sidebar')
            .first()
            .click({ position: { x: 150, y: 400 } });
        }
      }
      await input.fill(`>${title}`);
      await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor();
      await page.keyboard.press('Enter');
    }

    async function treeText(): Promise<string> {
      return (await page.locator('.pane-body .monaco-list-rows').allInnerTexts()).join('\n');
    }

    async function waitForTree(pattern: RegExp): Promise<void> {
      const deadline = Date.now() + 30_000;
      while (!pattern.test(await treeText())) {
        if (Date.now() > deadline)
          throw new Error(`the Latchkey view never showed ${pattern}: ${await treeText()}`);
        await page.waitForTimeout(200);
      }
    }

    before(async () => {
      const browser = await launchChromium(host, codeServer.env);
      page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
      await page.goto(`${codeServer.url}/?folder=${encodeURIComponent(dir.path)}`);
      await page.locator('.monaco-workbench .part.activitybar').waitFor({ timeout: 60_000 });
    });

    afterEach(async function () {
      if (this.currentTest?.state === 'failed')
        await shot(`FAILED-${this.currentTest.title.slice(0, 30).replace(/\W+/g, '-')}`);
    });

    it('shows the Latchkey view, signed out', async () => {
      await page.locator('.activitybar .action-label[aria-label^="Latchkey"]').click({ timeout: 60_000 });
      await waitForTree(/Signed out: sign in/);
      await shot('signed-out');
    });

    it('signs in: consent, the code shown, approved on the device page; the tree shows the allowed targets', async () => {
      await runCommand('Latchkey: Sign In');
      // VS Code may ask for consent first (a modal); the code is shown in the progress notification, and
      // openExternal may open the device page in a new tab.
      const allow = page.locator('.monaco-dialog-box').getByRole('button', { name: 'Allow', exact: true });
      const messages = page.locator('.notification-list-item-message');
      let code: string | undefined;
      const deadline = Date.now() + 30_000;
      while (code === undefined) {
        if (Date.now() > deadline) throw new Error('no sign-in code was shown');
        if (await allow.isVisible()) {
          await shot('consent');
          await allow.click({ timeout: 5000 });
          continue;
        }
        for (const text of await messages.allInnerTexts()) {
          code ??= /approve code ([A-Z0-9]{4}-[A-Z0-9]{4})/.exec(text)?.[1];
        }
        if (code === undefined && (await page.locator('.notifications-center.visible').count()) === 0) {
          await page
            .locator('.statusbar [aria-label^="Notifications"]')
            .first()
            .click({ timeout: 1000 })
            .catch(() => undefined);
        }
        await page.waitForTimeout(300);
      }
      await shot('device-code');
      const tabs = page
        .context()
        .pages()
        .map((p) => p.url())
        .filter((u) => u.includes('user_code='));
      console.log(`      (code ${code}; tabs opened by openExternal: ${tabs.join(', ') || 'none'})`);
      await approveDeviceCode(`${server.url}/device?user_code=${code}`, { email: EMAIL, password: PASSWORD });
      await page.keyboard.press('Escape');
      await waitForTree(/box-1[\s\S]*box-2/);
      const tree = await treeText();
      assert.doesNotMatch(tree, /box-hidden/);
      assert.match(tree, new RegExp(user.name));
      assert.match(tree, /deploy/);
      await shot('targets');
      await page.locator('.activitybar .action-label[aria-label^="Accounts"]').click();
      await page
        .locator('.monaco-menu .action-label', { hasText: EMAIL })
        .first()
        .waitFor({ timeout: 10_000 });
      await shot('accounts-menu');
      await page.keyboard.press('Escape');
    });

    it('connects by clicking a username: `id -un` in the terminal shows the user', async () => {
      await page.locator('.pane-body .monaco-list-row', { hasText: user.name }).first().click();
      const rows = page.locator('.xterm-rows');
      await rows.filter({ hasText: '$' }).first().waitFor({ timeout: 30_000 });
      await page.locator('.xterm').first().click();
      await page.keyboard.type('echo "ui-user=$(id -un)"\n');
      await rows
        .filter({ hasText: `ui-user=${user.name}` })
        .first()
        .waitFor({ timeout: 15_000 });
      await shot('terminal');
      await page.keyboard.type('exit\n');
      await page.locator('.xterm').first().waitFor({ state: 'detached', timeout: 15_000 });
    });

    it('signs out: the tree is empty again', async () => {
      await runCommand('Latchkey: Sign Out');
      await waitForTree(/Signed out: sign in/);
      await shot('signed-out-again');
    });
  });
});
