/**
 * What `logs list` and `logs download` need before their call: the account (given, or the only one the
 * token can see).
 */
import { LatchkeyError } from '@latchkey/shared';
import type { AuditApi } from './ports.js';

export async function resolveAccountId(api: AuditApi, given: string | undefined): Promise<string> {
  if (given !== undefined && given !== '') return given;
  const accounts = await api.accounts();
  if (accounts.length === 1) return accounts[0]!.id;
  throw new LatchkeyError(
    'invalid_argument',
    accounts.length === 0
      ? `the API token sees no account on ${api.url}`
      : `the API token sees ${accounts.length} accounts (${accounts.map((a) => a.id).join(', ')}): say which with --account ID`,
    { pointer: '--account' },
  );
}
