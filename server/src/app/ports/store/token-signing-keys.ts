/**
 * The key that signs access tokens, shared by every server process.
 * Part of the store port (../store.ts, which states the contract every repository keeps).
 */
import type { TokenSigningKeyRecord } from '../../../domain/records.js';

export interface TokenSigningKeyRepository {
  get(): Promise<TokenSigningKeyRecord | undefined>;
  /** Stores the key unless one exists; returns the one that is stored (the caller's or an earlier one). */
  createIfAbsent(input: Omit<TokenSigningKeyRecord, 'id' | 'createdAt'>): Promise<TokenSigningKeyRecord>;
}
