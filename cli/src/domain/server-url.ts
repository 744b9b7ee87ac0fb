import { LatchkeyError } from '@latchkey/shared';

/**
 * The access server's URL in one canonical form (`https://host[:port][/path]`, no trailing slash), so
 * that `--server https://x/` and `--server https://X` find the same stored credentials. Only http and
 * https; no user info, query or fragment.
 */
export function normaliseServerUrl(text: string, setting = '--server'): string {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new LatchkeyError(
      'invalid_argument',
      `${setting}: ${JSON.stringify(text)} is not a URL; give the access server's address, e.g. https://latchkey.example.com`,
      { pointer: setting },
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new LatchkeyError(
      'invalid_argument',
      `${setting}: ${JSON.stringify(text)} must start with https:// (or http://)`,
      { pointer: setting },
    );
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new LatchkeyError(
      'invalid_argument',
      `${setting}: ${JSON.stringify(text)} must not contain a user name, password, query or fragment`,
      { pointer: setting },
    );
  }
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.protocol}//${url.host}${path}`;
}
