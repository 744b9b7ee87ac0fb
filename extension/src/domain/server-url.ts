import { LatchkeyError, normaliseServerUrl } from '@latchkey/shared';

/**
 * The `latchkey.serverUrl` setting as a base URL without a trailing slash, by the clients' one rule
 * (shared/src/client/server-url.ts: http or https, no user name, password, query or fragment). A missing
 * setting says where to set it.
 */
export function normalizeServerUrl(setting: string | undefined): string {
  const text = (setting ?? '').trim();
  if (text === '') {
    throw new LatchkeyError(
      'invalid_config',
      'no Latchkey server is configured: set "latchkey.serverUrl" in the settings (e.g. https://access.example.com)',
    );
  }
  return normaliseServerUrl(text, '"latchkey.serverUrl"', 'invalid_config');
}
