import { LatchkeyError } from '@latchkey/shared';
import type { UserRepository } from '../../../app/ports/store.js';
import type { UserRecord } from '../../../domain/records.js';
import { uniqueViolation } from '../db-errors.js';
import type { UsersTable } from '../schema.js';
import { now, withTransaction, type RepositoryContext } from './context.js';

function toRecord(ctx: RepositoryContext, row: UsersTable): UserRecord {
  const { codec } = ctx;
  const disabledAt = codec.readOptionalTime(row.disabled_at);
  return {
    id: row.id,
    accountId: row.account_id,
    email: row.email,
    passwordHash: row.password_hash,
    groups: codec.readJson(row.groups) as string[],
    ...(disabledAt === undefined ? {} : { disabledAt }),
    createdAt: codec.readTime(row.created_at),
    updatedAt: codec.readTime(row.updated_at),
  };
}

export function userRepository(ctx: RepositoryContext): UserRepository {
  const { db, codec } = ctx;
  const get = async (c: RepositoryContext, accountId: string, id: string) => {
    const row = await c.db
      .selectFrom('users')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? undefined : toRecord(c, row);
  };

  return {
    async create(accountId, input) {
      const at = codec.time(now(ctx));
      const row: UsersTable = {
        id: ctx.newId(),
        account_id: accountId,
        email: input.email.toLowerCase(),
        password_hash: input.passwordHash,
        groups: codec.json(input.groups),
        disabled_at: null,
        created_at: at,
        updated_at: at,
      };
      try {
        return toRecord(
          ctx,
          await db.insertInto('users').values(row).returningAll().executeTakeFirstOrThrow(),
        );
      } catch (error) {
        if (uniqueViolation(error) !== undefined) {
          throw new LatchkeyError('conflict', `a user with the email ${row.email} already exists`, {
            cause: error,
          });
        }
        throw error;
      }
    },

    get: (accountId, id) => get(ctx, accountId, id),

    async getByEmail(accountId, email) {
      const row = await db
        .selectFrom('users')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('email', '=', email.toLowerCase())
        .executeTakeFirst();
      return row === undefined ? undefined : toRecord(ctx, row);
    },

    async list(accountId) {
      const rows = await db
        .selectFrom('users')
        .selectAll()
        .where('account_id', '=', accountId)
        .orderBy('email')
        .execute();
      return rows.map((row) => toRecord(ctx, row));
    },

    async update(accountId, id, patch) {
      return withTransaction(ctx, async (tx) => {
        const at = tx.codec.time(now(tx));
        await tx.db
          .updateTable('users')
          .set({
            updated_at: at,
            ...(patch.passwordHash === undefined ? {} : { password_hash: patch.passwordHash }),
            ...(patch.groups === undefined ? {} : { groups: tx.codec.json(patch.groups) }),
            ...(patch.disabled === undefined ? {} : { disabled_at: patch.disabled ? at : null }),
          })
          .where('account_id', '=', accountId)
          .where('id', '=', id)
          .execute();
        return get(tx, accountId, id);
      });
    },
  };
}
