// What the console's browser tests share: a real access server listening on 127.0.0.1 with an admin and
// an auditor, Debian's Chromium driven by playwright-core, signing in through the sign-in page, the audit
// log read over the API, and the checks every console page passes (the headers, no inline script).
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page, Response } from 'playwright-core';
import { registerCleanup } from '../../harness/cleanup.js';
import { startTestServer } from '../../server/support/test-server.js';
import type { TestServer, TestServerOptions } from '../../server/support/test-server.js';
import { CONSOLE_CSP } from '../../../server/src/adapters/http/console/console-routes.js';

export const CHROMIUM = process.env.LATCHKEY_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = resolve(import.meta.dirname, '../../../test-artifacts/console');
export const PASSWORD = 'correct horse battery';
export const ADMIN = 'admin@example.com';
export const AUDITOR = 'auditor@example.com';

export interface ConsoleFixture {
  server: TestServer;
  browser: Browser;
  /** A new browser context (its own cookies) signed in as `email`, on the page the console lands on. */
  signedIn(email: string): Promise<{ context: BrowserContext; page: Page }>;
  /** The audit events with this action, newest first (over the API). */
  auditActions(action: string): Promise<{ actor: string; resource_id?: string }[]>;
  close(): Promise<void>;
}

export async function startConsoleFixture(
  options: Omit<TestServerOptions, 'listen'> = {},
): Promise<ConsoleFixture> {
  await mkdir(ARTIFACTS, { recursive: true });
  const server = await startTestServer({ ...options, listen: true });
  let browser: Browser | undefined;
  try {
    await server.addUser(ADMIN, PASSWORD, ['latchkey-admins']);
    await server.addUser(AUDITOR, PASSWORD, ['latchkey-auditors']);
    const launched = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-dev-shm-usage',
      ],
    });
    browser = launched;
    const handle = registerCleanup('chromium (console tests)', () => launched.close());
    launched.on('disconnected', () => handle.release());
  } catch (error) {
    await browser?.close();
    await server.close();
    throw error;
  }
  const open = browser;
  return {
    server,
    browser: open,
    async signedIn(email) {
      const context = await open.newContext({ baseURL: server.url });
      const page = await context.newPage();
      await page.goto('/console/sign-in');
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill(PASSWORD);
      await Promise.all([
        page.waitForURL((url) => !url.pathname.endsWith('/sign-in')),
        page.getByRole('button', { name: 'Sign in' }).click(),
      ]);
      return { context, page };
    },
    async auditActions(action) {
      const answer = await server.call('GET', `/v1/audit?action=${action}`);
      assert.equal(answer.status, 200);
      return answer.body.result;
    },
    async close() {
      await open.close();
      await server.close();
    },
  };
}

/**
 * The fixture for one describe block: started in its `before` hook (options as startConsoleFixture's),
 * closed in its `after`. Hooks the block adds after this call run once the server is up.
 */
export function useConsoleFixture(options: Omit<TestServerOptions, 'listen'> = {}): ConsoleFixture {
  let started: ConsoleFixture | undefined;
  before(async () => {
    started = await startConsoleFixture(options);
  });
  after(async () => started?.close());
  const current = (): ConsoleFixture => {
    if (started === undefined) throw new Error('the console fixture is used before its before hook ran');
    return started;
  };
  return {
    get server() {
      return current().server;
    },
    get browser() {
      return current().browser;
    },
    signedIn: (email) => current().signedIn(email),
    auditActions: (action) => current().auditActions(action),
    close: () => current().close(),
  };
}

/**
 * Runs `steps` in a new browser context signed in as `email`, then checks that Chromium reported no CSP
 * violation on its page; the context is closed whether the steps pass or not.
 */
export async function inConsole(
  fixture: ConsoleFixture,
  email: string,
  steps: (session: { context: BrowserContext; page: Page }) => Promise<void>,
): Promise<void> {
  const { context, page } = await fixture.signedIn(email);
  try {
    const violations = cspViolations(page);
    await steps({ context, page });
    assert.deepEqual(violations, [], 'no CSP violation');
  } finally {
    await context.close();
  }
}

/** Runs `steps` in a new browser context that has not signed in; closes it whether they pass or not. */
export async function inNewContext(
  fixture: ConsoleFixture,
  steps: (session: { context: BrowserContext; page: Page }) => Promise<void>,
): Promise<void> {
  const context = await fixture.browser.newContext({ baseURL: fixture.server.url });
  try {
    await steps({ context, page: await context.newPage() });
  } finally {
    await context.close();
  }
}

/** The answer to the next POST the page sends (a form's submit). */
export function nextPost(page: Page): Promise<Response> {
  return page.waitForResponse((response) => response.request().method() === 'POST');
}

/** The newest audit event with this action was made by `email` through the console. */
export async function assertActor(
  fixture: ConsoleFixture,
  action: string,
  email: string,
  message?: string,
): Promise<void> {
  assert.equal((await fixture.auditActions(action))[0]?.actor, `user:${email}`, message);
}

/** A console answer's security headers, and its HTML without any inline script or style. */
export async function assertConsolePage(response: Response | null, where: string): Promise<string> {
  assert.ok(response, where);
  const headers = response.headers();
  assert.equal(headers['content-security-policy'], CONSOLE_CSP, where);
  assert.equal(headers['x-frame-options'], 'DENY', where);
  const html = await response.text();
  assertNoInlineScript(html, where);
  return html;
}

/** Every <script> has a src; no event-handler attribute, no javascript: URL, no inline style. */
export function assertNoInlineScript(html: string, where: string): void {
  for (const match of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    assert.match(match[1]!, /\bsrc="\/console\/assets\/[a-z]+\.js"/, `${where}: a script without src`);
    assert.equal(match[2]!.trim(), '', `${where}: an inline script`);
  }
  assert.doesNotMatch(html, /\son[a-z]+\s*=/i, `${where}: an event-handler attribute`);
  assert.doesNotMatch(html, /javascript:/i, `${where}: a javascript: URL`);
  assert.doesNotMatch(html, /<style\b|\sstyle\s*=/i, `${where}: inline style`);
}

/** Every control of the page's forms has a label. */
export async function assertLabelled(page: Page, where: string): Promise<void> {
  const unlabelled = await page.evaluate<string[]>(
    `[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
      .filter((control) => control.labels.length === 0).map((control) => control.outerHTML)`,
  );
  assert.deepEqual(unlabelled, [], where);
}

/** Collects the CSP violations Chromium reports on the page's console. */
export function cspViolations(page: Page): string[] {
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
  });
  return violations;
}

let axeSource: string | undefined;

/**
 * axe-core (injected by the test over the DevTools protocol, which the page's CSP does not govern; the
 * page itself still loads no other script) finds no serious or critical violation on the page as it is.
 */
export async function assertAccessible(page: Page, where: string): Promise<void> {
  axeSource ??= await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  if (!(await page.evaluate('typeof window.axe === "object"'))) await page.evaluate(axeSource);
  const violations = await page.evaluate<{ id: string; impact: string; help: string; nodes: string[] }[]>(
    `axe.run(document, { resultTypes: ['violations'] }).then((results) => results.violations
      .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      .map((violation) => ({ id: violation.id, impact: violation.impact, help: violation.help,
        nodes: violation.nodes.slice(0, 3).map((node) => node.html) })))`,
  );
  assert.deepEqual(violations, [], `${where}: axe-core's serious or critical violations`);
}
