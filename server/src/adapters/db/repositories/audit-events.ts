import type { AuditEventRepository } from '../../../app/ports/store.js';
import type { AuditEventRecord } from '../../../domain/records.js';
import type { AuditEventsTable } from '../schema.js';
import { CompiledQuery } from 'kysely';
import type { ExpressionBuilder, Expression, SqlBool, Selectable } from 'kysely';
import type { DatabaseSchema } from '../schema.js';
import { now, type RepositoryContext } from './context.js';
import { countOf, pageBounds } from './paging.js';

function toRecord(ctx: RepositoryContext, row: Omit<Selectable<AuditEventsTable>, 'seq'>): AuditEventRecord {
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

type AuditEventRow = Omit<AuditEventsTable, 'seq'>;

/**
 * Group commit for SQLite: every commit there costs a WAL write, and under load many requests each append
 * one event outside any transaction (certificate issuance). Appends that arrive in the same turn of the
 * event loop are written with one multi-row INSERT, in one commit; each caller still resumes only once
 * its own event is stored. Appends inside a transaction, and on PostgreSQL, are written directly.
 */
class AuditAppendBatcher {
  private pending: {
    row: AuditEventRow;
    resolve: (row: AuditEventRow) => void;
    reject: (error: unknown) => void;
  }[] = [];
  private scheduled = false;

  constructor(private readonly ctx: RepositoryContext) {}

  append(row: AuditEventRow): Promise<AuditEventRow> {
    return new Promise((resolve, reject) => {
      this.pending.push({ row, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const batch = this.pending.splice(0, MAX_BATCH);
    if (this.pending.length > 0) {
      this.scheduled = true;
      setImmediate(() => void this.flush());
    }
    try {
      // No RETURNING: every column but the (unexposed) insertion sequence is already in hand. The SQL
      // is written here rather than compiled by kysely on every flush (it is the same for each size).
      const parameters: unknown[] = [];
      for (const { row } of batch) for (const column of AUDIT_COLUMNS) parameters.push(row[column]);
      await this.ctx.db.executeQuery(CompiledQuery.raw(insertSql(batch.length), parameters));
      for (const entry of batch) entry.resolve(entry.row);
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    }
  }
}

const MAX_BATCH = 500;
const AUDIT_COLUMNS = [
  'id',
  'account_id',
  'actor',
  'action',
  'resource_type',
  'resource_id',
  'before',
  'after',
  'created_at',
] as const satisfies readonly (keyof AuditEventRow)[];
const insertSqlBySize = new Map<number, string>();

/** SQLite's multi-row INSERT of `rows` audit events (9 parameters a row: 500 rows stay under 32,766). */
function insertSql(rows: number): string {
  let text = insertSqlBySize.get(rows);
  if (text === undefined) {
    const tuple = `(${AUDIT_COLUMNS.map(() => '?').join(', ')})`;
    text = `insert into "audit_events" (${AUDIT_COLUMNS.map((c) => `"${c}"`).join(', ')}) values ${Array(rows).fill(tuple).join(', ')}`;
    insertSqlBySize.set(rows, text);
  }
  return text;
}
const batchers = new WeakMap<object, AuditAppendBatcher>();

function batcherFor(ctx: RepositoryContext): AuditAppendBatcher | undefined {
  if (ctx.kind !== 'sqlite' || ctx.db.isTransaction) return undefined;
  let batcher = batchers.get(ctx.db);
  if (batcher === undefined) {
    batcher = new AuditAppendBatcher(ctx);
    batchers.set(ctx.db, batcher);
  }
  return batcher;
}

export function auditEventRepository(ctx: RepositoryContext): AuditEventRepository {
  const { db, codec } = ctx;
  return {
    async append(accountId, input) {
      const row: AuditEventRow = {
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
      const batcher = batcherFor(ctx);
      return toRecord(
        ctx,
        batcher !== undefined
          ? await batcher.append(row)
          : await db.insertInto('audit_events').values(row).returningAll().executeTakeFirstOrThrow(),
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
