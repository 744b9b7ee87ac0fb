import type { JoinTokenRepository } from '../../../app/ports/store.js';
import type { JoinTokenRecord } from '../../../domain/records.js';
import { LatchkeyError } from '@latchkey/shared';
import { uniqueViolation } from '../db-errors.js';
import type { JoinTokensTable } from '../schema.js';
import { now, withTransaction, type RepositoryContext } from './context.js';

function toRecord(ctx: RepositoryContext, row: JoinTokensTable): JoinTokenRecord {
  const { codec } = ctx;
  const revokedAt = codec.readOptionalTime(row.revoked_at);
  return {
    id: row.id,
    accountId: row.account_id,
    name: row.name,
    tokenHash: row.token_hash,
    maxUses: Number(row.max_uses),
    uses: Number(row.uses),
    expiresAt: codec.readTime(row.expires_at),
    createdAt: codec.readTime(row.created_at),
    ...(revokedAt === undefined ? {} : { revokedAt }),
    ...(row.replaces_agent_id === null || row.replaces_agent_id === undefined
      ? {}
      : { replacesAgentId: row.replaces_agent_id }),
  };
}

export function joinTokenRepository(ctx: RepositoryContext): JoinTokenRepository {
  const { db, codec } = ctx;
  const get = async (c: RepositoryContext, accountId: string, id: string) => {
    const row = await c.db
      .selectFrom('join_tokens')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? undefined : toRecord(c, row);
  };

  return {
    async create(accountId, input) {
      const row: JoinTokensTable = {
        id: ctx.newId(),
        account_id: accountId,
        name: input.name,
        token_hash: input.tokenHash.toLowerCase(),
        max_uses: input.maxUses,
        uses: 0,
        expires_at: codec.time(input.expiresAt),
        created_at: codec.time(now(ctx)),
        revoked_at: null,
        replaces_agent_id: input.replacesAgentId ?? null,
      };
      try {
        return toRecord(
          ctx,
          await db.insertInto('join_tokens').values(row).returningAll().executeTakeFirstOrThrow(),
        );
      } catch (error) {
        if (uniqueViolation(error) !== undefined) {
          throw new LatchkeyError('conflict', 'a join token with the same secret already exists', {
            cause: error,
          });
        }
        throw error;
      }
    },

    async findByHash(tokenHash) {
      const row = await db
        .selectFrom('join_tokens')
        .selectAll()
        .where('token_hash', '=', tokenHash.toLowerCase())
        .executeTakeFirst();
      return row === undefined ? undefined : toRecord(ctx, row);
    },

    get: (accountId, id) => get(ctx, accountId, id),

    async list(accountId) {
      const rows = await db
        .selectFrom('join_tokens')
        .selectAll()
        .where('account_id', '=', accountId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map((row) => toRecord(ctx, row));
    },

    async consumeUse(id, at) {
      // One UPDATE whose WHERE is the whole check: the database serialises concurrent enrolments.
      const result = await db
        .updateTable('join_tokens')
        .set((eb) => ({ uses: eb('uses', '+', 1) }))
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', codec.time(at))
        .whereRef('uses', '<', 'max_uses')
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async revoke(accountId, id) {
      return withTransaction(ctx, async (tx) => {
        await tx.db
          .updateTable('join_tokens')
          .set({ revoked_at: tx.codec.time(now(tx)) })
          .where('account_id', '=', accountId)
          .where('id', '=', id)
          .where('revoked_at', 'is', null)
          .execute();
        return get(tx, accountId, id);
      });
    },
  };
}
