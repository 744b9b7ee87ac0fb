import { sql } from 'kysely';
import type { SessionTerminationRepository } from '../../../app/ports/store.js';
import type { SessionTerminationRecord } from '../../../domain/records.js';
import type { SessionTerminationsTable } from '../schema.js';
import { now, withTransaction, type RepositoryContext } from './context.js';

type Row = Omit<SessionTerminationsTable, 'id'> & { id: number | string };

function toRecord(ctx: RepositoryContext, row: Row): SessionTerminationRecord {
  const { codec } = ctx;
  return {
    id: Number(row.id),
    accountId: row.account_id,
    ...(row.agent_id === null ? {} : { agentId: row.agent_id }),
    ...(row.session_id === null ? {} : { sessionId: row.session_id }),
    ...(row.person === null ? {} : { person: row.person }),
    issuedBefore: codec.readTime(row.issued_before),
    reason: row.reason,
    createdAt: codec.readTime(row.created_at),
  };
}

export function sessionTerminationRepository(ctx: RepositoryContext): SessionTerminationRepository {
  const { db, codec } = ctx;
  return {
    create: (accountId, input) =>
      withTransaction(ctx, async (tx) => {
        if (tx.kind === 'postgres') {
          // Identity values are taken at insert but seen at commit, which concurrent transactions may do
          // out of order: a poller could see id 8, move its cursor there, and never see id 7. Inserts
          // take turns instead (this mode conflicts with itself, not with readers); they are rare.
          await sql`lock table session_terminations in share row exclusive mode`.execute(tx.db);
        }
        const row = await tx.db
          .insertInto('session_terminations')
          .values({
            account_id: accountId,
            agent_id: input.agentId ?? null,
            session_id: input.sessionId ?? null,
            person: input.person?.toLowerCase() ?? null,
            issued_before: codec.time(input.issuedBefore),
            reason: input.reason,
            created_at: codec.time(now(tx)),
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return toRecord(tx, row);
      }),

    async latestId() {
      const row = await db
        .selectFrom('session_terminations')
        .select((eb) => eb.fn.max('id').as('latest'))
        .executeTakeFirst();
      const latest = row?.latest;
      return latest === null || latest === undefined ? 0 : Number(latest);
    },

    async listForAgent(accountId, agentId, { after, upTo, limit }) {
      const rows = await db
        .selectFrom('session_terminations')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('id', '>', after)
        .where('id', '<=', upTo)
        .where((eb) => eb.or([eb('agent_id', '=', agentId), eb('agent_id', 'is', null)]))
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map((row) => toRecord(ctx, row));
    },
  };
}
