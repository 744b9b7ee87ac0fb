import type { ApiTokenRepository } from '../../../app/ports/store.js';
import type { ApiTokenRecord } from '../../../domain/records.js';
import { LatchkeyError } from '@latchkey/shared';
import { uniqueViolation } from '../db-errors.js';
import type { ApiTokensTable } from '../schema.js';
import { now, withTransaction, type RepositoryContext } from './context.js';

function toRecord(ctx: RepositoryContext, row: ApiTokensTable): ApiTokenRecord {
  const { codec } = ctx;
  const record: ApiTokenRecord = {
    id: row.id,
    accountId: row.account_id,
    name: row.name,
    tokenHash: row.token_hash,
    permissions: codec.readJson(row.permissions) as string[],
    createdAt: codec.readTime(row.created_at),
  };
  const expiresAt = codec.readOptionalTime(row.expires_at);
  const lastUsedAt = codec.readOptionalTime(row.last_used_at);
  const revokedAt = codec.readOptionalTime(row.revoked_at);
  if (expiresAt !== undefined) record.expiresAt = expiresAt;
  if (lastUsedAt !== undefined) record.lastUsedAt = lastUsedAt;
  if (revokedAt !== undefined) record.revokedAt = revokedAt;
  return record;
}

export function apiTokenRepository(ctx: RepositoryContext): ApiTokenRepository {
  const { db, codec } = ctx;
  const get = async (c: RepositoryContext, accountId: string, id: string) => {
    const row = await c.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? undefined : toRecord(c, row);
  };

  return {
    async create(accountId, input) {
      const row: ApiTokensTable = {
        id: ctx.newId(),
        account_id: accountId,
        name: input.name,
        token_hash: input.tokenHash.toLowerCase(),
        permissions: codec.json(input.permissions),
        expires_at: input.expiresAt === undefined ? null : codec.time(input.expiresAt),
        created_at: codec.time(now(ctx)),
        last_used_at: null,
        revoked_at: null,
      };
      try {
        return toRecord(
          ctx,
          await db.insertInto('api_tokens').values(row).returningAll().executeTakeFirstOrThrow(),
        );
      } catch (error) {
        if (uniqueViolation(error) !== undefined) {
          throw new LatchkeyError('conflict', 'a token with the same secret already exists', {
            cause: error,
          });
        }
        throw error;
      }
    },

    async findByHash(tokenHash) {
      const row = await db
        .selectFrom('api_tokens')
        .selectAll()
        .where('token_hash', '=', tokenHash.toLowerCase())
        .executeTakeFirst();
      return row === undefined ? undefined : toRecord(ctx, row);
    },

    get: (accountId, id) => get(ctx, accountId, id),

    async list(accountId) {
      const rows = await db
        .selectFrom('api_tokens')
        .selectAll()
        .where('account_id', '=', accountId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map((row) => toRecord(ctx, row));
    },

    async revoke(accountId, id) {
      return withTransaction(ctx, async (tx) => {
        await tx.db
          .updateTable('api_tokens')
          .set({ revoked_at: tx.codec.time(now(tx)) })
          .where('account_id', '=', accountId)
          .where('id', '=', id)
          .where('revoked_at', 'is', null)
          .execute();
        return get(tx, accountId, id);
      });
    },

    async touch(id) {
      await db
        .updateTable('api_tokens')
        .set({ last_used_at: codec.time(now(ctx)) })
        .where('id', '=', id)
        .execute();
    },
  };
}
