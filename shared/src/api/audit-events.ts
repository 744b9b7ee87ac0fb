/** Audit events (`GET /v1/audit`): one per change, written in the same transaction as the change. */
import Type from 'typebox';
import type { Static } from 'typebox';
import { PageQueryFields, Timestamp, Uuid } from './common.js';

export const AuditEventSchema = Type.Object({
  id: Uuid,
  actor: Type.String({ description: 'Who: `token:<id>` for an API token.' }),
  action: Type.String({ description: 'What, e.g. `target.create`.' }),
  resource_type: Type.String(),
  resource_id: Type.Optional(Type.String()),
  before: Type.Optional(Type.Unknown({ description: 'State (or ids) before; absent for creations.' })),
  after: Type.Optional(Type.Unknown({ description: 'State (or ids) after; absent for deletions.' })),
  created_at: Timestamp,
});
export type AuditEvent = Static<typeof AuditEventSchema>;

export const AuditEventListQuerySchema = Type.Object(
  {
    action: Type.Optional(Type.String({ description: 'Only events with this action.' })),
    resource_type: Type.Optional(Type.String()),
    resource_id: Type.Optional(Type.String()),
    actor: Type.Optional(Type.String()),
    since: Type.Optional(Timestamp),
    ...PageQueryFields,
  },
  { additionalProperties: false },
);
export type AuditEventListQuery = Static<typeof AuditEventListQuerySchema>;
