import type { AgentRepository } from '../../../app/ports/store.js';
import type { AgentHeartbeat, AgentRecord, JsonValue } from '../../../domain/records.js';
import { LatchkeyError } from '@latchkey/shared';
import { uniqueViolation } from '../db-errors.js';
import type { AgentsTable } from '../schema.js';
import { now, withTransaction, type RepositoryContext } from './context.js';
import { precompiledQuery } from './precompiled-query.js';

/** The agents of one target (compiled once: every certificate request reads them). */
const agentsOfTarget = precompiledQuery(2, (db, accountId, targetId) =>
  db.selectFrom('agents').selectAll().where('account_id', '=', accountId!).where('target_id', '=', targetId!),
);

function toRecord(ctx: RepositoryContext, row: AgentsTable): AgentRecord {
  const { codec } = ctx;
  const lastSeenAt = codec.readOptionalTime(row.last_seen_at);
  return {
    id: row.id,
    accountId: row.account_id,
    hostname: row.hostname,
    ...(row.machine_id === null ? {} : { machineId: row.machine_id }),
    apiTokenId: row.api_token_id,
    joinTokenId: row.join_token_id,
    ...(row.target_id === null ? {} : { targetId: row.target_id }),
    ...(row.heartbeat === null || row.heartbeat === undefined
      ? {}
      : { heartbeat: codec.readJson(row.heartbeat) as unknown as AgentHeartbeat }),
    ...(lastSeenAt === undefined ? {} : { lastSeenAt }),
    createdAt: codec.readTime(row.created_at),
  };
}

export function agentRepository(ctx: RepositoryContext): AgentRepository {
  const { db, codec } = ctx;
  const findBy = async (
    c: RepositoryContext,
    where: { accountId?: string; column: 'id' | 'api_token_id' | 'machine_id'; value: string },
  ) => {
    let query = c.db.selectFrom('agents').selectAll().where(where.column, '=', where.value);
    if (where.accountId !== undefined) query = query.where('account_id', '=', where.accountId);
    const row = await query.executeTakeFirst();
    return row === undefined ? undefined : toRecord(c, row);
  };
  const update = (accountId: string, id: string, set: Partial<AgentsTable>) =>
    withTransaction(ctx, async (tx) => {
      await tx.db
        .updateTable('agents')
        .set(set)
        .where('account_id', '=', accountId)
        .where('id', '=', id)
        .execute();
      return findBy(tx, { accountId, column: 'id', value: id });
    });

  return {
    async create(accountId, input) {
      const row: AgentsTable = {
        id: ctx.newId(),
        account_id: accountId,
        hostname: input.hostname,
        machine_id: input.machineId ?? null,
        api_token_id: input.apiTokenId,
        join_token_id: input.joinTokenId,
        target_id: null,
        heartbeat: null,
        last_seen_at: null,
        created_at: codec.time(now(ctx)),
      };
      try {
        return toRecord(
          ctx,
          await db.insertInto('agents').values(row).returningAll().executeTakeFirstOrThrow(),
        );
      } catch (error) {
        if (uniqueViolation(error) !== undefined) {
          throw new LatchkeyError(
            'conflict',
            `an agent with machine id ${input.machineId} is already enrolled`,
            {
              cause: error,
            },
          );
        }
        throw error;
      }
    },
    get: (accountId, id) => findBy(ctx, { accountId, column: 'id', value: id }),
    findByApiTokenId: (apiTokenId) => findBy(ctx, { column: 'api_token_id', value: apiTokenId }),
    findByMachineId: (accountId, machineId) =>
      findBy(ctx, { accountId, column: 'machine_id', value: machineId }),
    async list(accountId) {
      const rows = await db
        .selectFrom('agents')
        .selectAll()
        .where('account_id', '=', accountId)
        .orderBy('hostname')
        .orderBy('id')
        .execute();
      return rows.map((row) => toRecord(ctx, row));
    },
    async listForTarget(accountId, targetId) {
      const rows = await agentsOfTarget(ctx, accountId, targetId);
      return rows.map((row) => toRecord(ctx, row));
    },
    async listForTargets(accountId, targetIds) {
      if (targetIds.length === 0) return [];
      const rows: AgentsTable[] = [];
      // In slices, to stay far below SQLite's and PostgreSQL's limits on bound parameters.
      for (let start = 0; start < targetIds.length; start += 500) {
        rows.push(
          ...(await db
            .selectFrom('agents')
            .selectAll()
            .where('account_id', '=', accountId)
            .where('target_id', 'in', targetIds.slice(start, start + 500))
            .execute()),
        );
      }
      return rows.map((row) => toRecord(ctx, row));
    },
    replaceCredential: (accountId, id, change) =>
      withTransaction(ctx, async (tx) => {
        const result = await tx.db
          .updateTable('agents')
          .set({
            api_token_id: change.apiTokenId,
            ...(change.hostname === undefined ? {} : { hostname: change.hostname }),
            ...(change.joinTokenId === undefined ? {} : { join_token_id: change.joinTokenId }),
            ...(change.machineId === undefined ? {} : { machine_id: change.machineId }),
          })
          .where('account_id', '=', accountId)
          .where('id', '=', id)
          .where('api_token_id', '=', change.previousApiTokenId)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) !== 1) return undefined;
        return findBy(tx, { accountId, column: 'id', value: id });
      }),
    setTarget: (accountId, id, targetId) => update(accountId, id, { target_id: targetId ?? null }),
    async claimTarget(accountId, id, targetId, expected) {
      let query = db
        .updateTable('agents')
        .set({ target_id: targetId })
        .where('account_id', '=', accountId)
        .where('id', '=', id);
      query =
        expected === undefined
          ? query.where('target_id', 'is', null)
          : query.where('target_id', '=', expected);
      const result = await query.executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    delete: (accountId, id) =>
      withTransaction(ctx, async (tx) => {
        const agent = await findBy(tx, { accountId, column: 'id', value: id });
        if (agent === undefined) return undefined;
        await tx.db.deleteFrom('agents').where('account_id', '=', accountId).where('id', '=', id).execute();
        return agent;
      }),
    recordHeartbeat: (accountId, id, heartbeat, seenAt) =>
      update(accountId, id, {
        heartbeat: codec.json(heartbeat as unknown as JsonValue),
        last_seen_at: codec.time(seenAt),
      }),
  };
}
