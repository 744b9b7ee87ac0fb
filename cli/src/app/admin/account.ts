/** The account an admin command works on: given with --account, or the only one the token can see. */
import { LatchkeyError } from '@latchkey/shared';
import type { AdminApi } from './ports.js';

export async function resolveAdminAccount(api: AdminApi, given: string | undefined): Promise<string> {
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

/** Every page of a list, up to `limit` items. */
export async function collectPages<T>(
  fetchPage: (page: number, perPage: number) => Promise<{ items: T[]; totalPages?: number }>,
  limit: number,
  perPage = 100,
): Promise<T[]> {
  const items: T[] = [];
  for (let page = 1; items.length < limit; page++) {
    const answer = await fetchPage(page, Math.min(perPage, limit));
    items.push(...answer.items);
    if (answer.items.length === 0 || page >= (answer.totalPages ?? page)) break;
  }
  return items.slice(0, limit);
}
