/**
 * The installation's accounts, and the version of their access configuration.
 * Part of the store port (../store.ts, which states the contract every repository keeps).
 */
import type { AccountRecord } from '../../../domain/records.js';

export interface AccountRepository {
  /**
   * A number that changes (in the changing transaction) whenever apps, policies, groups, the CA or the
   * session-log key change, in any account: a cache of them is current while this stays the same.
   */
  accessConfigVersion(): Promise<string>;
  /**
   * Makes sure the installation has exactly one account (created with its `default` virtual network
   * if there is none) and returns it. Safe when several server processes start at once.
   */
  ensureDefaultAccount(name?: string): Promise<{ account: AccountRecord; created: boolean }>;
  list(): Promise<AccountRecord[]>;
  get(id: string): Promise<AccountRecord | undefined>;
}
