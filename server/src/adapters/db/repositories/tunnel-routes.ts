/**
 * Tunnel routes (migration 0016). The references to the agent and the virtual network are checked in the
 * transaction first, so the error says which one is unknown; the composite foreign keys cover a race
 * (an agent or network deleted meanwhile). Deleting an agent cascades to its routes (see the migration);
 * deleting a virtual network that routes use is refused by the virtual-network repository.
 */
import { LatchkeyError } from '@latchkey/shared';
import type { TunnelRouteInput, TunnelRouteRepository } from '../../../app/ports/store.js';
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

/**
 * Checks a route about to be written: its agent and virtual network are the account's (invalid_argument
 * naming the one that is not), and no other route of that virtual network has its network (a conflict
 * naming it). Run inside the write's transaction.
 */
async function checkRoute(
  ctx: RepositoryContext,
  accountId: string,
  route: { network: string; agentId: string; virtualNetworkId: string },
  self?: string,
): Promise<void> {
  const agent = await ctx.db
    .selectFrom('agents')
    .select('id')
    .where('account_id', '=', accountId)
    .where('id', '=', route.agentId)
    .executeTakeFirst();
  if (agent === undefined) {
    throw new LatchkeyError('invalid_argument', `tunnel_id ${route.agentId} is not an agent of this account`);
  }
  const vnet = await ctx.db
    .selectFrom('virtual_networks')
    .select('id')
    .where('account_id', '=', accountId)
    .where('id', '=', route.virtualNetworkId)
    .executeTakeFirst();
  if (vnet === undefined) {
    throw new LatchkeyError(
      'invalid_argument',
      `virtual network ${route.virtualNetworkId} does not exist in this account`,
    );
  }
  let clash = ctx.db
    .selectFrom('tunnel_routes')
    .select('id')
    .where('account_id', '=', accountId)
    .where('virtual_network_id', '=', route.virtualNetworkId)
    .where('network', '=', route.network);
  if (self !== undefined) clash = clash.where('id', '<>', self);
  const existing = await clash.executeTakeFirst();
  if (existing !== undefined) throw routeConflict(route, existing.id);
}

function routeConflict(
  route: { network: string; virtualNetworkId: string },
  existingId: string | undefined,
  cause?: unknown,
): LatchkeyError {
  return new LatchkeyError(
    'conflict',
    `network ${route.network} of virtual network ${route.virtualNetworkId} is already routed` +
      (existingId === undefined ? '' : ` (route ${existingId})`),
    cause === undefined ? undefined : { cause },
  );
}

/** A write that lost a race with another (between the checks and the write) says so as the checks would. */
function writeError(error: unknown, route: TunnelRouteInput): unknown {
  if (uniqueViolation(error) !== undefined) return routeConflict(route, undefined, error);
  if (isForeignKeyViolation(error)) {
    return new LatchkeyError(
      'invalid_argument',
      `agent ${route.agentId} or virtual network ${route.virtualNetworkId} was deleted meanwhile`,
      { cause: error },
    );
  }
  return error;
}

export function tunnelRouteRepository(ctx: RepositoryContext): TunnelRouteRepository {
  const { db, codec } = ctx;

  return {
    create: (accountId, input) =>
      withTransaction(ctx, async (tx) => {
        await checkRoute(tx, accountId, input);
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
          throw writeError(error, input);
        }
        return toRecord(tx, row);
      }),

    update: (accountId, id, patch) =>
      withTransaction(ctx, async (tx) => {
        const current = await routeOf(tx, accountId, id);
        if (current === undefined) return undefined;
        const next: TunnelRouteInput = {
          network: patch.network ?? current.network,
          agentId: patch.agentId ?? current.agentId,
          virtualNetworkId: patch.virtualNetworkId ?? current.virtualNetworkId,
          comment: patch.comment ?? current.comment,
        };
        await checkRoute(tx, accountId, next, id);
        try {
          await tx.db
            .updateTable('tunnel_routes')
            .set({
              network: next.network,
              agent_id: next.agentId,
              virtual_network_id: next.virtualNetworkId,
              comment: next.comment ?? '',
            })
            .where('account_id', '=', accountId)
            .where('id', '=', id)
            .execute();
        } catch (error) {
          throw writeError(error, next);
        }
        return routeOf(tx, accountId, id);
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
