/**
 * Issued sessions: what each certificate was issued for (session logs are indexed from it).
 * Part of the store port (../store.ts, which states the contract every repository keeps).
 */
import type { IssuedSessionRecord } from '../../../domain/records.js';

export interface IssuedSessionRepository {
  /** Stores the record (sets nothing: the caller gives every field). A session id is unique per account. */
  record(input: IssuedSessionRecord): Promise<void>;
  get(accountId: string, sessionId: string): Promise<IssuedSessionRecord | undefined>;
}
