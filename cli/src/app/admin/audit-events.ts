/** `latchkey admin audit [--action A] [--limit N]`: the audit events, newest first (`GET /v1/audit`). */
import type { AuditEvent } from '@latchkey/shared';
import { collectPages } from './collect-pages.js';
import type { AdminApi } from './ports.js';

export function listAdminAuditEvents(
  api: AdminApi,
  request: { action?: string; limit: number },
): Promise<AuditEvent[]> {
  return collectPages(
    (page, per_page) =>
      api.listAuditEvents({
        ...(request.action === undefined ? {} : { action: request.action }),
        page,
        per_page,
      }),
    request.limit,
  );
}
