/** Writes the audit event of a change, inside the change's transaction (so both commit or neither). */
import type { AuditAction } from '@latchkey/shared';
import type { Repositories } from './ports/store.js';
import type { Caller } from './caller.js';
import type { JsonValue } from '../domain/records.js';

export interface Change {
  /** From the audit-action catalogue (shared/src/audit/audit-actions.ts). */
  action: AuditAction;
  resourceType: string;
  resourceId?: string;
  before?: unknown;
  after?: unknown;
}

export async function recordChange(
  tx: Pick<Repositories, 'auditEvents'>,
  caller: Caller,
  change: Change,
): Promise<void> {
  await tx.auditEvents.append(caller.accountId, {
    actor: caller.actor,
    action: change.action,
    resourceType: change.resourceType,
    ...(change.resourceId === undefined ? {} : { resourceId: change.resourceId }),
    ...(change.before === undefined ? {} : { before: change.before as JsonValue }),
    ...(change.after === undefined ? {} : { after: change.after as JsonValue }),
  });
}
