import type { AccessGroupInput, AccessGroupRepository } from '../../../app/ports/store.js';
import type { AccessGroupRecord, JsonValue } from '../../../domain/records.js';
import type { AccessGroupsTable } from '../schema.js';
import { now, withTransaction, type RepositoryContext } from './context.js';

function toRecord(ctx: RepositoryContext, row: AccessGroupsTable): AccessGroupRecord {
  const { codec } = ctx;
  return {
    id: row.id,
    accountId: row.account_id,
    name: row.name,
    isDefault: codec.readBool(row.is_default),
    include: codec.readJson(row.include) as JsonValue[],
    require: codec.readJson(row.require) as JsonValue[],
    exclude: codec.readJson(row.exclude) as JsonValue[],
    createdAt: codec.readTime(row.created_at),
    updatedAt: codec.readTime(row.updated_at),
  };
}

function fields(ctx: RepositoryContext, input: AccessGroupInput) {
  return {
    name: input.name,
    is_default: ctx.codec.bool(input.isDefault ?? false),
    include: ctx.codec.json(input.include),
    require: ctx.codec.json(input.require ?? []),
    exclude: ctx.codec.json(input.exclude ?? []),
  };
}

export function accessGroupRepository(ctx: RepositoryContext): AccessGroupRepository {
  const { db } = ctx;
  const get = async (c: RepositoryContext, accountId: string, id: string) => {
    const row = await c.db
      .selectFrom('access_groups')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? undefined : toRecord(c, row);
  };

  return {
    async create(accountId, input) {
      const at = ctx.codec.time(now(ctx));
      const row: AccessGroupsTable = {
        id: ctx.newId(),
        account_id: accountId,
        ...fields(ctx, input),
        created_at: at,
        updated_at: at,
      };
      return toRecord(
        ctx,
        await db.insertInto('access_groups').values(row).returningAll().executeTakeFirstOrThrow(),
      );
    },

    get: (accountId, id) => get(ctx, accountId, id),

    async list(accountId) {
      const rows = await db
        .selectFrom('access_groups')
        .selectAll()
        .where('account_id', '=', accountId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map((row) => toRecord(ctx, row));
    },

    async replace(accountId, id, input) {
      return withTransaction(ctx, async (tx) => {
        const updated = await tx.db
          .updateTable('access_groups')
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
        await tx.db
          .deleteFrom('access_groups')
          .where('account_id', '=', accountId)
          .where('id', '=', id)
          .execute();
        return current;
      });
    },
  };
}
