import type { AuditEventRepository } from '../../../app/ports/store.js';
import type { AuditEventRecord } from '../../../domain/records.js';
import type { AuditEventsTable } from '../schema.js';
import type { ExpressionBuilder, Expression, SqlBool, Selectable } from 'kysely';
import type { DatabaseSchema } from '../schema.js';
import { now, type RepositoryContext } from './context.js';
import { countOf, pageBounds } from './paging.js';

function toRecord(ctx: RepositoryContext, row: Selectable<AuditEventsTable>): AuditEventRecord {
  const { codec } = ctx;
  const record: AuditEventRecord = {
    id: row.id,
    accountId: row.account_id,
    actor: row.actor,
    action: row.action,
    resourceType: row.resource_type,
    createdAt: codec.readTime(row.created_at),
  };
  if (row.resource_id !== null) record.resourceId = row.resource_id;
  if (row.before !== null) record.before = codec.readJson(row.before);
  if (row.after !== null) record.after = codec.readJson(row.after);
  return record;
}

export function auditEventRepository(ctx: RepositoryContext): AuditEventRepository {
  const { db, codec } = ctx;
  return {
    async append(accountId, input) {
      const row = {
        id: ctx.newId(),
        account_id: accountId,
        actor: input.actor,
        action: input.action,
        resource_type: input.resourceType,
        resource_id: input.resourceId ?? null,
        before: input.before === undefined ? null : codec.json(input.before),
        after: input.after === undefined ? null : codec.json(input.after),
        created_at: codec.time(now(ctx)),
      };
      return toRecord(
        ctx,
        await db.insertInto('audit_events').values(row).returningAll().executeTakeFirstOrThrow(),
      );
    },

    async list(accountId, request = {}) {
      const { page, perPage, offset } = pageBounds(request, 50);
      const where = (eb: ExpressionBuilder<DatabaseSchema, 'audit_events'>): Expression<SqlBool> => {
        const all: Expression<SqlBool>[] = [eb('account_id', '=', accountId)];
        if (request.action !== undefined) all.push(eb('action', '=', request.action));
        if (request.resourceType !== undefined) all.push(eb('resource_type', '=', request.resourceType));
        if (request.resourceId !== undefined) all.push(eb('resource_id', '=', request.resourceId));
        if (request.actor !== undefined) all.push(eb('actor', '=', request.actor));
        if (request.since !== undefined) all.push(eb('created_at', '>=', codec.time(request.since)));
        return eb.and(all);
      };
      const [rows, count] = await Promise.all([
        db
          .selectFrom('audit_events')
          .selectAll()
          .where(where)
          .orderBy('seq', 'desc')
          .limit(perPage)
          .offset(offset)
          .execute(),
        db
          .selectFrom('audit_events')
          .select((eb) => eb.fn.countAll().as('count'))
          .where(where)
          .executeTakeFirst(),
      ]);
      return { items: rows.map((row) => toRecord(ctx, row)), page, perPage, totalCount: countOf(count) };
    },
  };
}
