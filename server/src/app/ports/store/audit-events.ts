/**
 * The audit trail: one event per change, appended in the change's transaction.
 * Part of the store port (../store.ts, which states the contract every repository keeps).
 */
import type { AuditAction } from '@latchkey/shared';
import type { AuditEventRecord, JsonValue } from '../../../domain/records.js';
import type { Page, PageRequest } from './paging.js';

export interface AuditEventInput {
  actor: string;
  /** From the catalogue (shared/src/audit/audit-actions.ts): the compiler refuses any other. */
  action: AuditAction;
  resourceType: string;
  resourceId?: string;
  before?: JsonValue;
  after?: JsonValue;
}

export interface AuditEventListRequest extends PageRequest {
  action?: string;
  resourceType?: string;
  resourceId?: string;
  actor?: string;
  /** Events at or after this time. */
  since?: Date;
}

export interface AuditEventRepository {
  append(accountId: string, input: AuditEventInput): Promise<AuditEventRecord>;
  /** Newest first (ties broken by insertion order). */
  list(accountId: string, request?: AuditEventListRequest): Promise<Page<AuditEventRecord>>;
}
