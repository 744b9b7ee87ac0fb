/** Reading the audit trail (`GET /v1/audit`), newest first. */
import type { AuditEventListQuery } from '@latchkey/shared';
import type { AuditEventRecord } from '../domain/records.js';
import type { Caller } from './caller.js';
import type { AuditEventListRequest, Page, Repositories } from './ports/store.js';

/** What reading the audit trail needs: the audit events, nothing else. */
export interface AuditLogDeps {
  store: Pick<Repositories, 'auditEvents'>;
}

export async function listAuditEvents(
  services: AuditLogDeps,
  caller: Caller,
  query: AuditEventListQuery,
): Promise<Page<AuditEventRecord>> {
  const request: AuditEventListRequest = { page: query.page ?? 1, perPage: query.per_page ?? 100 };
  if (query.action !== undefined) request.action = query.action;
  if (query.resource_type !== undefined) request.resourceType = query.resource_type;
  if (query.resource_id !== undefined) request.resourceId = query.resource_id;
  if (query.actor !== undefined) request.actor = query.actor;
  if (query.since !== undefined) request.since = new Date(query.since);
  return services.store.auditEvents.list(caller.accountId, request);
}
