/**
 * First start: make sure the installation has its account (and, through the store, its `default`
 * virtual network); when the account is new, issue the admin API token with every permission. Safe
 * when several server processes start at once on one database: only the one that created the account
 * issues the admin token.
 */
import { ALL_PERMISSIONS } from '../domain/permissions.js';
import type { AccountRecord } from '../domain/records.js';
import { issueApiToken } from './api-tokens.js';
import type { IssuedToken, IssueApiTokenDeps } from './api-tokens.js';
import type { StoreOf } from './ports/store.js';

/** What the first start needs: the accounts, and what issuing the admin token needs. */
export type BootstrapDeps = IssueApiTokenDeps & { store: StoreOf<'accounts' | 'apiTokens' | 'auditEvents'> };

export async function bootstrap(
  services: BootstrapDeps,
): Promise<{ account: AccountRecord; adminToken?: IssuedToken }> {
  const { account, created } = await services.store.accounts.ensureDefaultAccount();
  if (!created) return { account };
  const adminToken = await services.store.transaction((tx) =>
    issueApiToken(services, tx, account.id, { name: 'admin', permissions: [...ALL_PERMISSIONS] }),
  );
  return { account, adminToken };
}
