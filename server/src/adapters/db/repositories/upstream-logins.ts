import type { UpstreamLoginRepository } from '../../../app/ports/store.js';
import type { JsonObject, UpstreamLoginRecord } from '../../../domain/records.js';
import type { UpstreamLoginsTable } from '../schema.js';
import { now, type RepositoryContext } from './context.js';

function toRecord(ctx: RepositoryContext, row: UpstreamLoginsTable): UpstreamLoginRecord {
  const { codec } = ctx;
  return {
    state: row.state,
    deviceAuthorizationId: row.device_authorization_id,
    pending: codec.readJson(row.pending) as JsonObject,
    ...(row.confirmation_hash === null ? {} : { confirmationHash: row.confirmation_hash }),
    ...(row.identity === null ? {} : { identity: codec.readJson(row.identity) as JsonObject }),
    createdAt: codec.readTime(row.created_at),
    expiresAt: codec.readTime(row.expires_at),
  };
}

export function upstreamLoginRepository(ctx: RepositoryContext): UpstreamLoginRepository {
  const { db, codec } = ctx;
  const findBy = async (column: 'state' | 'confirmation_hash', value: string) => {
    const row = await db
      .selectFrom('upstream_logins')
      .selectAll()
      .where(column, '=', value)
      .executeTakeFirst();
    return row === undefined ? undefined : toRecord(ctx, row);
  };

  return {
    async create(input) {
      const row: UpstreamLoginsTable = {
        state: input.state,
        device_authorization_id: input.deviceAuthorizationId,
        pending: codec.json(input.pending),
        confirmation_hash: null,
        identity: null,
        created_at: codec.time(now(ctx)),
        expires_at: codec.time(input.expiresAt),
      };
      return toRecord(
        ctx,
        await db.insertInto('upstream_logins').values(row).returningAll().executeTakeFirstOrThrow(),
      );
    },

    get: (state) => findBy('state', state),
    findByConfirmationHash: (hash) => findBy('confirmation_hash', hash),

    async complete(state, identity, confirmationHash) {
      const result = await db
        .updateTable('upstream_logins')
        .set({ identity: codec.json(identity), confirmation_hash: confirmationHash })
        .where('state', '=', state)
        .where('confirmation_hash', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async delete(state) {
      await db.deleteFrom('upstream_logins').where('state', '=', state).execute();
    },
  };
}
