// The web console (/console) in Debian's Chromium driven by playwright-core, against a real access
// server listening on 127.0.0.1: sign-in (a wrong password refused), every page rendered (and a
// screenshot of each kept in test-artifacts/console/), the security headers and no inline script on
// each, the auditor's flow (filter the logs, open one, pick the key file, decrypt in the page, see the
// verdict and commands, replay) with every request of the page recorded and none carrying the key or a
// decrypted byte, a POST without its CSRF token refused with 403 and changing nothing, an admin ending a
// live session (audited with the person), and sign-out.
//
// The session logs are real sealed files from shared's writer (test/e2e/cli/logs-fixtures.ts's PTY
// session with commands), uploaded by an enrolled agent for sessions the server issued. The live session
// is an agent's heartbeat written through the store (a heartbeat is all the server knows of a live
// session; a real agent and sshd would add minutes and nothing the console reads).
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import type { Page, Request } from 'playwright-core';
import { encodeAuditorKey, listCommands, readSessionLog } from '@latchkey/shared';
import type { TestServer } from '../../server/support/test-server.js';
import {
  enrollAgent,
  issueSession,
  makeAuditor,
  makeSessionLog,
  metadataFor,
  uploadHeaders,
} from '../../server/http/ssh-logs-fixture.js';
import type { EnrolledAgent } from '../../server/http/ssh-logs-fixture.js';
import { IDENTITY, newKeys, ptyLog } from '../cli/logs-fixtures.js';
import { CONSOLE_CSP } from '../../../server/src/adapters/http/console/console-routes.js';
import {
  ADMIN,
  ARTIFACTS,
  AUDITOR,
  PASSWORD,
  assertAccessible,
  assertNoInlineScript,
  startConsoleFixture,
} from './console-fixture.js';
import type { ConsoleFixture } from './console-fixture.js';

const NOBODY = 'nobody@example.com';

describe('web console in Chromium', function () {
  this.timeout(120_000);
  let fixture: ConsoleFixture;
  let server: TestServer;
  let agent: EnrolledAgent;
  const keys = newKeys();
  const adaLog = ptyLog(keys);
  let adaLogId: string;

  before(async () => {
    fixture = await startConsoleFixture();
    server = fixture.server;
    await server.addUser(NOBODY, PASSWORD, []);
    agent = await enrollAgent(server, 'web-1');
    const adaSession = await issueSession(server, agent, { email: 'ada@example.com', username: 'ada' });
    const bobSession = await issueSession(server, agent, { email: 'bob@example.com', username: 'bob' });
    adaLogId = `${adaSession}.20261124T215822Z.a1`;
    await upload(adaLogId, adaLog, {
      session_id: adaSession,
      user_email: 'ada@example.com',
      username: 'ada',
      session_start_datetime: '2026-11-24T21:58:22.000Z',
      session_finish_datetime: '2026-11-24T21:58:43.000Z',
    });
    await upload(`${bobSession}.20261124T100000Z.b1`, makeSessionLog(makeAuditor(), 'bob was here\r\n'), {
      session_id: bobSession,
      user_email: 'bob@example.com',
      username: 'bob',
    });
    // A session open at the agent's front, as its heartbeat reports it.
    await server.store.agents.recordHeartbeat(
      server.accountId,
      agent.agentId,
      {
        version: '0.1.0',
        distro: 'Debian GNU/Linux 12',
        sshdConfig: { state: 'trusted' },
        front: {
          port: 2022,
          hostKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEr6dtVkOq7ZQ6F4nT3YtRZs8n7sQ0yqJx5bqkq0vMlN',
        },
        sessions: [
          {
            sessionId: 'live-ada-1',
            person: 'ada@example.com',
            unixUser: 'ada',
            program: 'shell',
            startedAt: new Date().toISOString(),
            clientAddress: '127.0.0.1:50123',
          },
        ],
      },
      new Date(),
    );
  });

  after(async () => fixture?.close());

  async function upload(
    id: string,
    file: Buffer,
    overrides: Parameters<typeof metadataFor>[0],
  ): Promise<void> {
    const answer = await server.call('PUT', `/v1/agents/ssh_logs/${id}`, {
      token: agent.token,
      body: file,
      headers: uploadHeaders(file, metadataFor({ target_id: agent.targetId, ...overrides })),
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
  }

  const signedIn = (email: string) => fixture.signedIn(email);
  const auditActions = (action: string) => fixture.auditActions(action);

  it('refuses a wrong password on the sign-in page and signs in with the right one', async () => {
    const context = await fixture.browser.newContext({ baseURL: server.url });
    try {
      const page = await context.newPage();
      await page.goto('/console');
      assert.match(page.url(), /\/console\/sign-in$/, 'not signed in: the sign-in page');
      await page.screenshot({ path: resolve(ARTIFACTS, 'sign-in.png'), fullPage: true });
      await assertAccessible(page, 'sign-in');
      await page.getByLabel('Email').fill(ADMIN);
      await page.getByLabel('Password').fill('not the password');
      const [refused] = await Promise.all([
        page.waitForResponse((response) => response.request().method() === 'POST'),
        page.getByRole('button', { name: 'Sign in' }).click(),
      ]);
      assert.equal(refused.status(), 401);
      await page.getByRole('alert').filter({ hasText: 'wrong email or password' }).waitFor();
      assert.equal(
        (await context.cookies()).some((cookie) => cookie.name === 'latchkey-console'),
        false,
      );
      await page.screenshot({ path: resolve(ARTIFACTS, 'sign-in-refused.png'), fullPage: true });
      await assertAccessible(page, 'sign-in-refused');

      await page.getByLabel('Password').fill(PASSWORD);
      await Promise.all([
        page.waitForURL(/\/console\/targets$/),
        page.getByRole('button', { name: 'Sign in' }).click(),
      ]);
      const cookie = (await context.cookies()).find((candidate) => candidate.name === 'latchkey-console');
      assert.ok(cookie, 'the session cookie');
      assert.equal(cookie.httpOnly, true);
      assert.equal(cookie.sameSite, 'Strict');
      assert.equal(cookie.secure, false, 'plain HTTP on 127.0.0.1: no Secure, no __Host- prefix');
      const signIns = await auditActions('sign_in');
      assert.ok(signIns.some((event) => event.actor === `user:${ADMIN}`));
    } finally {
      await context.close();
    }
  });

  it('renders every page for an admin, each with the CSP, frame denial and no inline script', async () => {
    const { context, page } = await signedIn(ADMIN);
    try {
      const violations: string[] = [];
      page.on('console', (message) => {
        if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
      });
      const pages = [
        { path: '/console/targets', name: 'targets', expect: 'web-1' },
        {
          path: '/console/targets?hostname=nothing-like-this',
          name: 'targets-empty',
          expect: 'Clear the filter',
        },
        { path: '/console/sessions', name: 'sessions', expect: 'live-ada-1' },
        { path: '/console/logs', name: 'logs', expect: 'bob@example.com' },
        { path: `/console/logs/${encodeURIComponent(adaLogId)}`, name: 'log', expect: 'Decrypt and replay' },
        { path: '/console/audit', name: 'audit', expect: 'ssh_log.upload' },
        { path: '/console/apps', name: 'apps-list', expect: 'session logs 1' },
        { path: '/console/policies', name: 'policies-empty', expect: 'No reusable policies yet' },
        { path: '/console/groups', name: 'groups-empty', expect: 'No access groups yet' },
        { path: '/console/people', name: 'people-list', expect: NOBODY },
      ];
      for (const entry of pages) {
        const response = await page.goto(entry.path);
        assert.ok(response, entry.path);
        assert.equal(response.status(), 200, entry.path);
        const headers = response.headers();
        assert.equal(headers['content-security-policy'], CONSOLE_CSP, entry.path);
        assert.match(CONSOLE_CSP, /default-src 'none'/);
        assert.match(CONSOLE_CSP, /script-src 'self'(;|$)/);
        assert.match(CONSOLE_CSP, /frame-ancestors 'none'/);
        assert.equal(headers['x-frame-options'], 'DENY', entry.path);
        assert.equal(headers['referrer-policy'], 'no-referrer', entry.path);
        const html = await response.text();
        assert.ok(html.includes(entry.expect), `${entry.path} shows ${entry.expect}`);
        assertNoInlineScript(html, entry.path);
        await page.waitForLoadState('load');
        await page.screenshot({ path: resolve(ARTIFACTS, `${entry.name}.png`), fullPage: true });
        await assertAccessible(page, entry.path);
      }
      // The target is reached through its agent's front, and the agent is online.
      await page.goto('/console/targets');
      assert.match(await page.locator('tbody tr').first().innerText(), /SSH front, port 2022[\s\S]*online/);
      // Every control of every form has a label.
      for (const path of [
        '/console/targets',
        '/console/logs',
        '/console/audit',
        `/console/logs/${encodeURIComponent(adaLogId)}`,
        '/console/apps',
        '/console/policies',
        '/console/groups',
        '/console/people',
      ]) {
        await page.goto(path);
        const unlabelled = await page.evaluate<string[]>(
          `[...document.querySelectorAll('input:not([type=hidden]), select')]
            .filter((control) => control.labels.length === 0).map((control) => control.outerHTML)`,
        );
        assert.deepEqual(unlabelled, [], path);
      }
      assert.deepEqual(violations, [], 'no CSP violation on any page');
      // Assets: the same headers; a script never inline.
      for (const asset of [
        '/console/assets/console.js',
        '/console/assets/player.js',
        '/console/assets/console.css',
      ]) {
        const response = await page.request.get(asset);
        assert.equal(response.status(), 200, asset);
        assert.equal(response.headers()['content-security-policy'], CONSOLE_CSP, asset);
      }
    } finally {
      await context.close();
    }
  });

  it('an auditor filters the logs, opens one, decrypts it in the page with the key file and replays it; no request carries the key or a decrypted byte', async () => {
    const { context, page } = await signedIn(AUDITOR);
    try {
      assert.match(page.url(), /\/console\/logs$/, 'an auditor lands on the session logs');
      const nav = await page.getByRole('navigation', { name: 'Console' }).innerText();
      assert.match(nav, /Session logs/);
      assert.match(nav, /Audit log/);
      assert.doesNotMatch(nav, /Targets|Live sessions/, 'an auditor sees logs only');
      assert.equal((await page.request.get('/console/targets')).status(), 403);

      await page.getByLabel('Person (email)').fill('ada@example.com');
      await Promise.all([
        page.waitForURL(/user_email=ada/),
        page.getByRole('button', { name: 'Filter' }).click(),
      ]);
      assert.equal(await page.locator('tbody tr').count(), 1, 'only ada’s log');
      assert.doesNotMatch(await page.locator('tbody').innerText(), /bob@example\.com/);
      await page.screenshot({ path: resolve(ARTIFACTS, 'logs-filtered.png'), fullPage: true });
      await assertAccessible(page, 'logs-filtered');
      await Promise.all([
        page.waitForURL(/\/console\/logs\/[^/]+$/),
        page.getByRole('link', { name: /^Open/ }).click(),
      ]);

      // From here on, every request the page makes is recorded.
      const requests: Request[] = [];
      page.on('request', (request) => requests.push(request));
      const privateKeyText = encodeAuditorKey(keys.privateKey);

      // A wrong key is said so, in the page.
      await page.getByLabel('Private key file').setInputFiles({
        name: 'other-key',
        mimeType: 'application/octet-stream',
        buffer: Buffer.from(encodeAuditorKey(newKeys().privateKey)),
      });
      await page.getByRole('button', { name: 'Decrypt' }).click();
      await page.locator('#decrypt-status').filter({ hasText: 'Cannot decrypt' }).waitFor();

      await page.getByLabel('Private key file').setInputFiles({
        name: 'auditor-key',
        mimeType: 'application/octet-stream',
        buffer: Buffer.from(privateKeyText),
      });
      await page.getByRole('button', { name: 'Decrypt' }).click();
      await page.locator('#verdict h2').filter({ hasText: 'Integrity: verified' }).waitFor();

      // The same commands as shared's reader in Node finds, with their exit statuses.
      const expected = listCommands(readSessionLog(adaLog, keys.privateKey));
      const rows = await page.locator('#commands tbody tr').allInnerTexts();
      assert.equal(rows.length, expected.length);
      assert.match(rows[0]!, /ls\s+\/home\/ada\s+0/);
      assert.match(rows[1]!, /exit\s+\/home\/ada\s+not reported/);
      assert.match(await page.locator('#transfers').innerText(), /Transfers \(0\)/);
      assert.match(
        await page.locator('#verdict').innerText(),
        new RegExp(`Session ${IDENTITY.session_id}: ada@example.com as ada`),
      );

      // Replay: seek to the end, then play from the start at 16x until it ends.
      await page.locator('#player').waitFor();
      await seekTo(page, 'end');
      await page.locator('#screen').filter({ hasText: 'café' }).waitFor();
      assert.match(await page.locator('#screen').innerText(), /ada@web-1:~\$ ls/);
      await page.screenshot({ path: resolve(ARTIFACTS, 'log-decrypted.png'), fullPage: true });
      await assertAccessible(page, 'log-decrypted');
      await page.getByLabel('Speed').selectOption('16');
      await seekTo(page, 'start');
      assert.doesNotMatch(await page.locator('#screen').innerText(), /café/, 'at 0:00 nothing is shown yet');
      await page.getByRole('button', { name: 'Play' }).click();
      await page.locator('#player[data-state="playing"]').waitFor();
      await page.locator('#player[data-state="ended"]').waitFor({ timeout: 10_000 });
      const screen = await page.locator('#screen').innerText();
      assert.match(screen, /café/);
      assert.equal(
        screen.split('ada@web-1:~$').length - 1,
        2,
        'the last prompt too: the replay reaches the end',
      );

      // What left the page: GETs of this origin only (the sealed log, twice), nothing with a body.
      const origin = new URL(server.url).origin;
      assert.ok(requests.length >= 2, 'the sealed log was fetched');
      const decrypted = readSessionLog(adaLog, keys.privateKey);
      const secrets = [
        privateKeyText,
        Buffer.from(keys.privateKey).toString('hex'),
        Buffer.from(keys.privateKey).toString('base64url'),
        Buffer.from(keys.privateKey).toString('latin1'),
        IDENTITY.session_id,
        'ada@web-1:~$',
        'café',
        ...decrypted.packets
          .map((packet) => Buffer.from(packet.data).toString('latin1'))
          .filter((text) => text.length >= 4),
      ];
      for (const request of requests) {
        assert.equal(new URL(request.url()).origin, origin, request.url());
        assert.equal(request.method(), 'GET', request.url());
        const body = request.postDataBuffer();
        assert.equal(body, null, `${request.url()} has no body`);
        const seen = `${request.url()}\n${decodeURIComponent(request.url())}\n${JSON.stringify(await request.allHeaders())}`;
        for (const secret of secrets)
          assert.ok(!seen.includes(secret), `${request.url()} carries ${JSON.stringify(secret)}`);
      }
      const fetched = requests.filter((request) => request.url().endsWith('/file'));
      assert.equal(fetched.length, 2, 'the sealed log, once per decryption');
      const downloads = await auditActions('ssh_log.download');
      assert.ok(
        downloads.some((event) => event.actor === `user:${AUDITOR}` && event.resource_id === adaLogId),
      );
    } finally {
      await context.close();
    }
  });

  it('refuses a POST without its CSRF token with 403, and changes nothing', async () => {
    const { context, page } = await signedIn(ADMIN);
    try {
      const before = (await auditActions('ssh_session.end')).length;
      for (const form of [{}, { csrf: 'not-the-token' }] as Record<string, string>[]) {
        const refused = await page.request.post('/console/sessions/live-ada-1/end', {
          form,
          maxRedirects: 0,
        });
        assert.equal(refused.status(), 403);
        assert.match(await refused.text(), /CSRF token is missing or wrong/);
        assert.equal(refused.headers()['content-security-policy'], CONSOLE_CSP);
      }
      const signOut = await page.request.post('/console/sign-out', { form: {}, maxRedirects: 0 });
      assert.equal(signOut.status(), 403, 'sign-out too');
      const signIn = await page.request.post('/console/sign-in', {
        form: { email: ADMIN, password: PASSWORD },
        headers: { cookie: '' },
        maxRedirects: 0,
      });
      assert.equal(signIn.status(), 403, 'and sign-in (its double-submit token)');
      assert.equal((await auditActions('ssh_session.end')).length, before, 'no session was ended');
      await page.goto('/console/sessions');
      assert.match(
        await page.locator('tbody').innerText(),
        /live-ada-1/,
        'still signed in, the session still live',
      );
    } finally {
      await context.close();
    }
  });

  it('an admin ends a live session with its End button; the end is audited with the person', async () => {
    const { context, page } = await signedIn(ADMIN);
    try {
      await page.goto('/console/sessions');
      await Promise.all([
        page.waitForURL(/\/console\/sessions\?ended=live-ada-1$/),
        page.getByRole('button', { name: /^End/ }).click(),
      ]);
      await page.getByRole('status').filter({ hasText: 'live-ada-1 is being ended' }).waitFor();
      await page.screenshot({ path: resolve(ARTIFACTS, 'session-ended.png'), fullPage: true });
      await assertAccessible(page, 'session-ended');
      const ends = await auditActions('ssh_session.end');
      assert.ok(ends.some((event) => event.actor === `user:${ADMIN}` && event.resource_id === 'live-ada-1'));
      const orders = await server.call('GET', '/v1/agents/session_control?after=0', { token: agent.token });
      assert.equal(orders.status, 200, JSON.stringify(orders.body));
      assert.ok(
        orders.body.result.terminations.some(
          (order: { session_id?: string }) => order.session_id === 'live-ada-1',
        ),
        'the agent is told to end it',
      );
    } finally {
      await context.close();
    }
  });

  it('someone without a console role is told what to ask for; signing out ends the sign-in', async () => {
    const { context, page } = await signedIn(NOBODY);
    try {
      await page.getByRole('heading', { name: 'No console role' }).waitFor();
      assert.match(await page.locator('main').innerText(), /latchkey-auditors/);
      await page.screenshot({ path: resolve(ARTIFACTS, 'no-role.png'), fullPage: true });
      await assertAccessible(page, 'no-role');
      await Promise.all([
        page.waitForURL(/\/console\/sign-in$/),
        page.getByRole('button', { name: 'Sign out' }).click(),
      ]);
      await page.goto('/console');
      assert.match(page.url(), /\/console\/sign-in$/, 'the old sign-in no longer opens the console');
      const signOuts = await auditActions('sign_out');
      assert.ok(signOuts.some((event) => event.actor === `user:${NOBODY}`));
    } finally {
      await context.close();
    }
  });
});

/** Moves the player's seek bar as a person would (its input event). */
async function seekTo(page: Page, where: 'start' | 'end'): Promise<void> {
  await page.evaluate(
    `(() => { const seek = document.getElementById('seek'); seek.value = ${where === 'end' ? 'seek.max' : "'0'"}; seek.dispatchEvent(new Event('input')); })()`,
  );
}
