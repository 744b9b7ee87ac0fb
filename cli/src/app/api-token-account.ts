/**
 * The account an API-token command works on (`logs list|download`, `latchkey admin …`): the one given
 * with --account, or the only one the token can see.
 */
import { LatchkeyError, type Account } from '@latchkey/shared';

/** What it needs of an API client: where it points, and the accounts its token sees. */
export interface AccountsApi {
  readonly url: string;
  accounts(): Promise<Account[]>;
}

export async function resolveAccountId(api: AccountsApi, given: string | undefined): Promise<string> {
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
