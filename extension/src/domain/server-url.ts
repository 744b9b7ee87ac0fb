import { LatchkeyError } from '@latchkey/shared';

/**
 * The `latchkey.serverUrl` setting as a base URL without a trailing slash. Only http and https; a
 * missing setting says where to set it.
 */
export function normalizeServerUrl(setting: string | undefined): string {
  const text = (setting ?? '').trim();
  if (text === '') {
    throw new LatchkeyError(
      'invalid_config',
      'no Latchkey server is configured: set "latchkey.serverUrl" in the settings (e.g. https://access.example.com)',
    );
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new LatchkeyError('invalid_config', `"latchkey.serverUrl" is not a URL: ${text}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new LatchkeyError(
      'invalid_config',
      `"latchkey.serverUrl" must be an http(s) URL, not ${url.protocol}`,
    );
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}
