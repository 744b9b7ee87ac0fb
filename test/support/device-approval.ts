/**
 * Plays the person in the device flow: opens the verification page like a browser (plain fetch; the
 * pages are script-free forms) and signs in with a built-in account to approve, or deny, the code.
 * Throws with the page's own message when the server refuses.
 */
import assert from 'node:assert/strict';

export interface DeviceDecisionOptions {
  email: string;
  password: string;
  /** Default true. */
  approve?: boolean;
}

/** The text of an HTML page's alert paragraph (the server's message), or the page itself. */
export function pageMessage(html: string): string {
  const alert = /<p class="(?:error|ok)" role="(?:alert|status)">([\s\S]*?)<\/p>/.exec(html);
  return (alert?.[1] ?? html).replace(/<[^>]+>/g, '').trim();
}

export async function decideDeviceCode(
  verificationUriComplete: string,
  options: DeviceDecisionOptions,
): Promise<string> {
  const url = new URL(verificationUriComplete);
  const userCode = url.searchParams.get('user_code');
  assert.ok(userCode !== null, `no user_code in ${verificationUriComplete}`);
  const page = await fetch(url);
  const pageHtml = await page.text();
  if (page.status !== 200)
    throw new Error(`the device page answered ${page.status}: ${pageMessage(pageHtml)}`);
  assert.ok(pageHtml.includes(userCode), 'the page shows the code to check');
  const form = new URLSearchParams({
    user_code: userCode,
    email: options.email,
    password: options.password,
    decision: options.approve === false ? 'deny' : 'approve',
  });
  const answer = await fetch(new URL('/device/password', url), { method: 'POST', body: form });
  const answerHtml = await answer.text();
  if (answer.status !== 200)
    throw new Error(`signing in on the device page failed (${answer.status}): ${pageMessage(answerHtml)}`);
  return pageMessage(answerHtml);
}

/** Approves the code as the given built-in user (the contract the CLI tests use). */
export async function approveDeviceCode(
  verificationUriComplete: string,
  credentials: { email: string; password: string },
): Promise<void> {
  const message = await decideDeviceCode(verificationUriComplete, { ...credentials, approve: true });
  assert.match(message, /^Signed in as /);
}
