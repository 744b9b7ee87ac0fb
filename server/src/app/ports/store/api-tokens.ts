/**
 * API tokens (admins' and agents' credentials), stored as hashes.
 * Part of the store port (../store.ts, which states the contract every repository keeps).
 */
import type { ApiTokenRecord } from '../../../domain/records.js';

export interface ApiTokenInput {
  name: string;
  /** Lowercase hex SHA-256 of the secret. */
  tokenHash: string;
  permissions: string[];
  expiresAt?: Date;
}

export interface ApiTokenRepository {
  create(accountId: string, input: ApiTokenInput): Promise<ApiTokenRecord>;
  /** Across accounts (the token names its account). Returns revoked and expired tokens too: check them. */
  findByHash(tokenHash: string): Promise<ApiTokenRecord | undefined>;
  get(accountId: string, id: string): Promise<ApiTokenRecord | undefined>;
  /** Sorted by creation time, then id. */
  list(accountId: string): Promise<ApiTokenRecord[]>;
  /** Sets revokedAt (idempotent: keeps the first revocation time). */
  revoke(accountId: string, id: string): Promise<ApiTokenRecord | undefined>;
  /** Records a use (sets lastUsedAt to now). */
  touch(id: string): Promise<void>;
}
