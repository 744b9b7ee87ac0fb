import { normaliseServerUrl as normalise } from '@latchkey/shared';

/**
 * The access server's URL in one canonical form (shared/src/client/server-url.ts): `--server https://x/`
 * and `--server https://X` find the same stored credentials. Only http and https; no user info, query or
 * fragment. `setting` is where it came from (`--server`, `LATCHKEY_SERVER`), for the message.
 */
export function normaliseServerUrl(text: string, setting = '--server'): string {
  return normalise(text, setting, 'invalid_argument');
}
