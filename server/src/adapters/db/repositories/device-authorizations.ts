import type { DeviceAuthorizationRepository } from '../../../app/ports/store.js';
import type { DeviceAuthorizationRecord, DeviceAuthorizationStatus } from '../../../domain/records.js';
import type { DeviceAuthorizationsTable } from '../schema.js';
import { now, withTransaction, type RepositoryContext } from './context.js';

function toRecord(ctx: RepositoryContext, row: DeviceAuthorizationsTable): DeviceAuthorizationRecord {
  const { codec } = ctx;
  const lastPolledAt = codec.readOptionalTime(row.last_polled_at);
  return {
    id: row.id,
    accountId: row.account_id,
    deviceCodeHash: row.device_code_hash,
    userCode: row.user_code,
    clientId: row.client_id,
    status: row.status as DeviceAuthorizationStatus,
    ...(row.session_id === null ? {} : { sessionId: row.session_id }),
    intervalSeconds: Number(row.interval_seconds),
    createdAt: codec.readTime(row.created_at),
    expiresAt: codec.readTime(row.expires_at),
    ...(lastPolledAt === undefined ? {} : { lastPolledAt }),
  };
}

export function deviceAuthorizationRepository(ctx: RepositoryContext): DeviceAuthorizationRepository {
  const { db, codec } = ctx;
  const findBy = async (
    c: RepositoryContext,
    column: 'id' | 'device_code_hash' | 'user_code',
    value: string,
  ) => {
    const row = await c.db
      .selectFrom('device_authorizations')
      .selectAll()
      .where(column, '=', value)
      .executeTakeFirst();
    return row === undefined ? undefined : toRecord(c, row);
  };
  const transition = async (
    id: string,
    from: DeviceAuthorizationStatus,
    set: Partial<DeviceAuthorizationsTable>,
  ): Promise<boolean> => {
    const result = await db
      .updateTable('device_authorizations')
      .set(set)
      .where('id', '=', id)
      .where('status', '=', from)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  };

  return {
    async create(accountId, input) {
      const row: DeviceAuthorizationsTable = {
        id: ctx.newId(),
        account_id: accountId,
        device_code_hash: input.deviceCodeHash,
        user_code: input.userCode,
        client_id: input.clientId,
        status: 'pending',
        session_id: null,
        interval_seconds: input.intervalSeconds,
        created_at: codec.time(now(ctx)),
        expires_at: codec.time(input.expiresAt),
        last_polled_at: null,
      };
      return toRecord(
        ctx,
        await db.insertInto('device_authorizations').values(row).returningAll().executeTakeFirstOrThrow(),
      );
    },

    get: (id) => findBy(ctx, 'id', id),
    findByDeviceCodeHash: (hash) => findBy(ctx, 'device_code_hash', hash),
    findByUserCode: (userCode) => findBy(ctx, 'user_code', userCode),

    async recordPoll(id, at) {
      return withTransaction(ctx, async (tx) => {
        const before = await findBy(tx, 'id', id);
        await tx.db
          .updateTable('device_authorizations')
          .set({ last_polled_at: tx.codec.time(at) })
          .where('id', '=', id)
          .execute();
        return before?.lastPolledAt;
      });
    },

    decide: (id, decision) =>
      transition(
        id,
        'pending',
        decision.status === 'approved'
          ? { status: 'approved', session_id: decision.sessionId }
          : { status: 'denied' },
      ),

    consume: (id) => transition(id, 'approved', { status: 'consumed' }),
  };
}
