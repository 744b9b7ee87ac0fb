/**
 * Tunnel routes (migration 0016). The references to the agent and the virtual network are checked in the
 * transaction first, so the error says which one is unknown; the composite foreign keys cover a race
 * (an agent or network deleted meanwhile). Deleting an agent cascades to its routes (see the migration);
 * deleting a virtual network that routes use is refused by the virtual-network repository.
 */
import { LatchkeyError } from '@latchkey/shared';
import type { TunnelRouteRepository } from '../../../app/ports/store.js';
import type { TunnelRouteRecord } from '../../../domain/records.js';
import { isForeignKeyViolation, uniqueViolation } from '../db-errors.js';
import type { TunnelRoutesTable } from '../schema.js';
import { now, withTransaction, type RepositoryContext } from './context.js';
import { countOf, pageBounds } from './paging.js';

function toRecord(ctx: RepositoryContext, row: TunnelRoutesTable): TunnelRouteRecord {
  return {
    id: row.id,
    accountId: row.account_id,
    network: row.network,
    agentId: row.agent_id,
    virtualNetworkId: row.virtual_network_id,
    comment: row.comment,
    createdAt: ctx.codec.readTime(row.created_at),
  };
}

async function routeOf(
  ctx: RepositoryContext,
  accountId: string,
  id: string,
): Promise<TunnelRouteRecord | undefined> {
  const row = await ctx.db
    .selectFrom('tunnel_routes')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row === undefined ? undefined : toRecord(ctx, row);
}

/** The routes of one virtual network, oldest first (the virtual-network repository names them too). */
export async function routesOfVirtualNetwork(
  ctx: RepositoryContext,
  accountId: string,
  virtualNetworkId: string,
): Promise<TunnelRouteRecord[]> {
  const rows = await ctx.db
    .selectFrom('tunnel_routes')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('virtual_network_id', '=', virtualNetworkId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((row) => toRecord(ctx, row));
}

export function tunnelRouteRepository(ctx: RepositoryContext): TunnelRouteRepository {
  const { db, codec } = ctx;

  return {
    create: (accountId, input) =>
      withTransaction(ctx, async (tx) => {
        const agent = await tx.db
          .selectFrom('agents')
          .select('id')
          .where('account_id', '=', accountId)
          .where('id', '=', input.agentId)
          .executeTakeFirst();
        if (agent === undefined) {
          throw new LatchkeyError(
            'invalid_argument',
            `tunnel_id ${input.agentId} is not an agent of this account`,
          );
        }
        const vnet = await tx.db
          .selectFrom('virtual_networks')
          .select('id')
          .where('account_id', '=', accountId)
          .where('id', '=', input.virtualNetworkId)
          .executeTakeFirst();
        if (vnet === undefined) {
          throw new LatchkeyError(
            'invalid_argument',
            `virtual network ${input.virtualNetworkId} does not exist in this account`,
          );
        }
        const clash = async () =>
          tx.db
            .selectFrom('tunnel_routes')
            .select('id')
            .where('account_id', '=', accountId)
            .where('virtual_network_id', '=', input.virtualNetworkId)
            .where('network', '=', input.network)
            .executeTakeFirst();
        const conflict = (existingId: string | undefined, cause?: unknown) =>
          new LatchkeyError(
            'conflict',
            `network ${input.network} of virtual network ${input.virtualNetworkId} is already routed` +
              (existingId === undefined ? '' : ` (route ${existingId})`),
            cause === undefined ? undefined : { cause },
          );
        const existing = await clash();
        if (existing !== undefined) throw conflict(existing.id);
        const row: TunnelRoutesTable = {
          id: tx.newId(),
          account_id: accountId,
          network: input.network,
          agent_id: input.agentId,
          virtual_network_id: input.virtualNetworkId,
          comment: input.comment ?? '',
          created_at: codec.time(now(tx)),
        };
        try {
          await tx.db.insertInto('tunnel_routes').values(row).execute();
        } catch (error) {
          // A concurrent create or delete won the race between the checks above and the insert.
          if (uniqueViolation(error) !== undefined) throw conflict(undefined, error);
          if (isForeignKeyViolation(error)) {
            throw new LatchkeyError(
              'invalid_argument',
              `agent ${input.agentId} or virtual network ${input.virtualNetworkId} was deleted meanwhile`,
              { cause: error },
            );
          }
          throw error;
        }
        return toRecord(tx, row);
      }),

    get: (accountId, id) => routeOf(ctx, accountId, id),

    async list(accountId, filter = {}) {
      const { page, perPage, offset } = pageBounds(filter, 1000);
      let query = db.selectFrom('tunnel_routes').where('account_id', '=', accountId);
      if (filter.virtualNetworkId !== undefined) {
        query = query.where('virtual_network_id', '=', filter.virtualNetworkId);
      }
      if (filter.agentId !== undefined) query = query.where('agent_id', '=', filter.agentId);
      const [rows, count] = await Promise.all([
        query.selectAll().orderBy('created_at').orderBy('id').limit(perPage).offset(offset).execute(),
        query.select((eb) => eb.fn.countAll().as('count')).executeTakeFirst(),
      ]);
      return { items: rows.map((row) => toRecord(ctx, row)), page, perPage, totalCount: countOf(count) };
    },

    listForNetwork: (accountId, virtualNetworkId) => routesOfVirtualNetwork(ctx, accountId, virtualNetworkId),

    delete: (accountId, id) =>
      withTransaction(ctx, async (tx) => {
        const current = await routeOf(tx, accountId, id);
        if (current === undefined) return undefined;
        await tx.db
          .deleteFrom('tunnel_routes')
          .where('account_id', '=', accountId)
          .where('id', '=', id)
          .execute();
        return { ...current, deletedAt: now(tx) };
      }),
  };
}
