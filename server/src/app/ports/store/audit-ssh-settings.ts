/**
 * The account's session-log settings: the auditors' public key and its seed.
 * Part of the store port (../store.ts, which states the contract every repository keeps).
 */
import type { AuditSshSettingsRecord } from '../../../domain/records.js';

export interface AuditSshSettingsRepository {
  /** undefined when never set (the HTTP layer answers `public_key: ''`). */
  get(accountId: string): Promise<AuditSshSettingsRecord | undefined>;
  /** Creates or updates; a new `seedId` is generated whenever the key changes. '' turns logging off. */
  put(accountId: string, publicKey: string): Promise<AuditSshSettingsRecord>;
  /** A new `seedId`, the key unchanged (created with key '' when never set). */
  rotateSeed(accountId: string): Promise<AuditSshSettingsRecord>;
}
