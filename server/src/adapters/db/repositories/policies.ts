import { LatchkeyError } from '@latchkey/shared';
import type { PolicyInput, PolicyRepository } from '../../../app/ports/store.js';
import type { JsonObject, JsonValue, PolicyRecord } from '../../../domain/records.js';
import { isForeignKeyViolation } from '../db-errors.js';
import type { PoliciesTable } from '../schema.js';
import { now, withTransaction, type RepositoryContext } from './context.js';

export function policyToRecord(ctx: RepositoryContext, row: PoliciesTable): PolicyRecord {
  const { codec } = ctx;
  const record: PolicyRecord = {
    id: row.id,
    accountId: row.account_id,
    name: row.name,
    decision: row.decision,
    include: codec.readJson(row.include) as JsonValue[],
    require: codec.readJson(row.require) as JsonValue[],
    exclude: codec.readJson(row.exclude) as JsonValue[],
    reusable: codec.readBool(row.reusable),
    createdAt: codec.readTime(row.created_at),
    updatedAt: codec.readTime(row.updated_at),
  };
  if (row.connection_rules !== null)
    record.connectionRules = codec.readJson(row.connection_rules) as JsonObject;
  return record;
}

function fields(ctx: RepositoryContext, input: PolicyInput) {
  const { codec } = ctx;
  return {
    name: input.name,
    decision: input.decision,
    include: codec.json(input.include),
    require: codec.json(input.require ?? []),
    exclude: codec.json(input.exclude ?? []),
    connection_rules: input.connectionRules === undefined ? null : codec.json(input.connectionRules),
    reusable: codec.bool(input.reusable),
  };
}

/** Ids of the apps that link policy `id`. */
async function appsUsing(ctx: RepositoryContext, accountId: string, id: string): Promise<string[]> {
  const rows = await ctx.db
    .selectFrom('app_policies')
    .select('app_id')
    .where('account_id', '=', accountId)
    .where('policy_id', '=', id)
    .orderBy('app_id')
    .execute();
  return rows.map((row) => row.app_id);
}

export function policyRepository(ctx: RepositoryContext): PolicyRepository {
  const { db } = ctx;
  const get = async (c: RepositoryContext, accountId: string, id: string) => {
    const row = await c.db
      .selectFrom('policies')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? undefined : policyToRecord(c, row);
  };

  return {
    async create(accountId, input) {
      const at = ctx.codec.time(now(ctx));
      const row: PoliciesTable = {
        id: ctx.newId(),
        account_id: accountId,
        ...fields(ctx, input),
        created_at: at,
        updated_at: at,
      };
      // RETURNING: the record is what the database stored (pg parses jsonb), the same as a later read.
      return policyToRecord(
        ctx,
        await db.insertInto('policies').values(row).returningAll().executeTakeFirstOrThrow(),
      );
    },

    get: (accountId, id) => get(ctx, accountId, id),

    async getMany(accountId, ids) {
      if (ids.length === 0) return [];
      const rows = await db
        .selectFrom('policies')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('id', 'in', [...new Set(ids)])
        .execute();
      const byId = new Map(rows.map((row) => [row.id, policyToRecord(ctx, row)]));
      return ids.flatMap((id) => {
        const record = byId.get(id);
        return record === undefined ? [] : [record];
      });
    },

    async list(accountId, filter = {}) {
      let query = db.selectFrom('policies').selectAll().where('account_id', '=', accountId);
      if (filter.reusable !== undefined)
        query = query.where('reusable', '=', ctx.codec.bool(filter.reusable));
      const rows = await query.orderBy('created_at').orderBy('id').execute();
      return rows.map((row) => policyToRecord(ctx, row));
    },

    async replace(accountId, id, input) {
      return withTransaction(ctx, async (tx) => {
        const updated = await tx.db
          .updateTable('policies')
          .set({ ...fields(tx, input), updated_at: tx.codec.time(now(tx)) })
          .where('account_id', '=', accountId)
          .where('id', '=', id)
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) === 0) return undefined;
        return get(tx, accountId, id);
      });
    },

    async delete(accountId, id) {
      return withTransaction(ctx, async (tx) => {
        const current = await get(tx, accountId, id);
        if (current === undefined) return undefined;
        const inUse = (apps: string[]) =>
          new LatchkeyError(
            'conflict',
            `policy ${id} is still used by app(s) ${apps.join(', ') || '(another request)'}`,
          );
        const apps = await appsUsing(tx, accountId, id);
        if (apps.length > 0) throw inUse(apps);
        try {
          await tx.db
            .deleteFrom('policies')
            .where('account_id', '=', accountId)
            .where('id', '=', id)
            .execute();
        } catch (error) {
          if (isForeignKeyViolation(error)) throw inUse([]);
          throw error;
        }
        return current;
      });
    },

    appsUsing: (accountId, id) => appsUsing(ctx, accountId, id),
  };
}
