/**
 * The access server's URL as every client keeps it: one canonical form (`https://host[:port][/path]`, no
 * trailing slash), so that `https://x/` and `https://X` find the same stored sign-in. Only http and https;
 * no user name or password (a client would send them to whoever answers, and the CLI refused them while
 * the extension dropped them without a word: both refuse now), no query or fragment.
 */
import type { ErrorCode } from '../errors/error-codes.js';
import { LatchkeyError } from '../errors/latchkey-error.js';

/**
 * `text` in canonical form, or a LatchkeyError (`code`, pointer `setting`) whose message starts with
 * `setting`: the option, environment variable or VS Code setting the URL came from.
 */
export function normaliseServerUrl(
  text: string,
  setting: string,
  code: Extract<ErrorCode, 'invalid_argument' | 'invalid_config'> = 'invalid_argument',
): string {
  const refuse = (why: string) =>
    new LatchkeyError(code, `${setting}: ${JSON.stringify(text)} ${why}`, { pointer: setting });
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw refuse("is not a URL; give the access server's address, e.g. https://latchkey.example.com");
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw refuse('must be an http(s) URL: start it with https:// (or http://)');
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw refuse('must not contain a user name, password, query or fragment');
  }
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}
