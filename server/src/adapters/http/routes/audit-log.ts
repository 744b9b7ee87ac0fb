/** `GET /v1/audit`: the audit trail of the token's account, newest first, filterable by action. */
import Type from 'typebox';
import { AuditEventListQuerySchema, AuditEventSchema, resultInfo } from '@latchkey/shared';
import { listAuditEvents } from '../../../app/audit-log.js';
import { presentAuditEvent } from '../../../domain/api-representation.js';
import { PERMISSIONS } from '../../../domain/permissions.js';
import type { RouteContext } from './route-context.js';

export function auditLogRoutes({ route, services }: RouteContext): void {
  route({
    method: 'GET',
    url: '/v1/audit',
    access: PERMISSIONS.auditLogsRead,
    summary: 'List audit events',
    description: 'One event per change (who, what, which resource, before/after), newest first.',
    tags: ['Audit'],
    querystring: AuditEventListQuerySchema,
    result: Type.Array(AuditEventSchema),
    paged: true,
    handle: async ({ caller, query }) => {
      const page = await listAuditEvents(services, caller, query);
      return {
        result: page.items.map(presentAuditEvent),
        resultInfo: resultInfo(page.page, page.perPage, page.items.length, page.totalCount),
      };
    },
  });
}
