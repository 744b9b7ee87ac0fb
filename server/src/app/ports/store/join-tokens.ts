/**
 * Join tokens: what a new agent enrols with.
 * Part of the store port (../store.ts, which states the contract every repository keeps).
 */
import type { JoinTokenRecord } from '../../../domain/records.js';

export interface JoinTokenInput {
  name: string;
  /** Lowercase hex SHA-256 of the secret. */
  tokenHash: string;
  maxUses: number;
  expiresAt: Date;
  /** A token made to replace this agent (see JoinTokenRecord.replacesAgentId). */
  replacesAgentId?: string;
}

export interface JoinTokenRepository {
  create(accountId: string, input: JoinTokenInput): Promise<JoinTokenRecord>;
  /** Across accounts (the token names its account). Returns used-up, expired and revoked ones too. */
  findByHash(tokenHash: string): Promise<JoinTokenRecord | undefined>;
  get(accountId: string, id: string): Promise<JoinTokenRecord | undefined>;
  /** Sorted by creation time, then id. */
  list(accountId: string): Promise<JoinTokenRecord[]>;
  /**
   * Uses one of the token's uses, atomically (compare-and-swap in one UPDATE): true only if it was not
   * revoked, not expired at `at`, and had a use left. Two concurrent enrolments never share the last use.
   */
  consumeUse(id: string, at: Date): Promise<boolean>;
  /** Sets revokedAt (idempotent: keeps the first revocation time). */
  revoke(accountId: string, id: string): Promise<JoinTokenRecord | undefined>;
}
