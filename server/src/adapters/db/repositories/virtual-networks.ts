import { LatchkeyError } from '@latchkey/shared';
import type { VirtualNetworkInput, VirtualNetworkRepository } from '../../../app/ports/store.js';
import type { VirtualNetworkRecord } from '../../../domain/records.js';
import { isForeignKeyViolation, uniqueViolation, violates } from '../db-errors.js';
import type { VirtualNetworksTable } from '../schema.js';
import { now, withTransaction, type RepositoryContext } from './context.js';
import { routesOfVirtualNetwork } from './tunnel-routes.js';

function toRecord(ctx: RepositoryContext, row: VirtualNetworksTable): VirtualNetworkRecord {
  return {
    id: row.id,
    accountId: row.account_id,
    name: row.name,
    comment: row.comment,
    isDefaultNetwork: ctx.codec.readBool(row.is_default_network),
    createdAt: ctx.codec.readTime(row.created_at),
  };
}

/** Turns the unique violations of virtual_networks into conflicts that say what clashed. */
function vnetConflict(error: unknown, name: string | undefined): unknown {
  const violation = uniqueViolation(error);
  if (violation === undefined) return error;
  if (violates(violation, 'virtual_networks_name_unique', 'virtual_networks', ['account_id', 'name'])) {
    return new LatchkeyError('conflict', `a virtual network named ${JSON.stringify(name)} already exists`, {
      cause: error,
    });
  }
  if (violates(violation, 'virtual_networks_one_default', 'virtual_networks', ['account_id'])) {
    return new LatchkeyError(
      'conflict',
      'another request changed the default virtual network at the same time; try again',
      { cause: error },
    );
  }
  return error;
}

/** Makes the account's current default network an ordinary one (the caller then sets the new default). */
async function clearDefault(ctx: RepositoryContext, accountId: string): Promise<void> {
  await ctx.db
    .updateTable('virtual_networks')
    .set({ is_default_network: ctx.codec.bool(false) })
    .where('account_id', '=', accountId)
    .where('is_default_network', '=', ctx.codec.bool(true))
    .execute();
}

/** Inserts a network (switching the default if asked). Run it inside a transaction. */
export async function insertVirtualNetwork(
  ctx: RepositoryContext,
  accountId: string,
  input: VirtualNetworkInput,
): Promise<VirtualNetworkRecord> {
  const isDefault = input.isDefaultNetwork === true;
  if (isDefault) await clearDefault(ctx, accountId);
  const row: VirtualNetworksTable = {
    id: ctx.newId(),
    account_id: accountId,
    name: input.name,
    comment: input.comment ?? '',
    is_default_network: ctx.codec.bool(isDefault),
    created_at: ctx.codec.time(now(ctx)),
  };
  try {
    await ctx.db.insertInto('virtual_networks').values(row).execute();
  } catch (error) {
    throw vnetConflict(error, input.name);
  }
  return toRecord(ctx, row);
}

export function virtualNetworkRepository(ctx: RepositoryContext): VirtualNetworkRepository {
  const { db, codec } = ctx;
  const select = (accountId: string) =>
    db.selectFrom('virtual_networks').selectAll().where('account_id', '=', accountId);
  const get = async (c: RepositoryContext, accountId: string, id: string) => {
    const row = await c.db
      .selectFrom('virtual_networks')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? undefined : toRecord(c, row);
  };

  return {
    async create(accountId, input) {
      return withTransaction(ctx, (tx) => insertVirtualNetwork(tx, accountId, input));
    },

    get: (accountId, id) => get(ctx, accountId, id),

    async getDefault(accountId) {
      const row = await select(accountId)
        .where('is_default_network', '=', codec.bool(true))
        .executeTakeFirst();
      if (row === undefined) {
        throw new LatchkeyError(
          'not_found',
          `account ${accountId} does not exist (it has no default virtual network)`,
        );
      }
      return toRecord(ctx, row);
    },

    async list(accountId, filter = {}) {
      let query = select(accountId);
      if (filter.name !== undefined) query = query.where('name', '=', filter.name);
      if (filter.isDefaultNetwork !== undefined) {
        query = query.where('is_default_network', '=', codec.bool(filter.isDefaultNetwork));
      }
      if (filter.ids !== undefined) {
        if (filter.ids.length === 0) return [];
        query = query.where('id', 'in', filter.ids);
      }
      const rows = await query.orderBy('created_at').orderBy('id').execute();
      return rows.map((row) => toRecord(ctx, row));
    },

    async update(accountId, id, patch) {
      return withTransaction(ctx, async (tx) => {
        const current = await get(tx, accountId, id);
        if (current === undefined) return undefined;
        if (patch.isDefaultNetwork === false && current.isDefaultNetwork) {
          throw new LatchkeyError(
            'conflict',
            `virtual network ${id} is the default; make another network the default instead of unsetting it`,
          );
        }
        const becomesDefault = patch.isDefaultNetwork === true && !current.isDefaultNetwork;
        try {
          if (becomesDefault) await clearDefault(tx, accountId);
          await tx.db
            .updateTable('virtual_networks')
            .set({
              name: patch.name ?? current.name,
              comment: patch.comment ?? current.comment,
              is_default_network: codec.bool(current.isDefaultNetwork || becomesDefault),
            })
            .where('account_id', '=', accountId)
            .where('id', '=', id)
            .execute();
        } catch (error) {
          throw vnetConflict(error, patch.name);
        }
        return get(tx, accountId, id);
      });
    },

    async delete(accountId, id) {
      return withTransaction(ctx, async (tx) => {
        const current = await get(tx, accountId, id);
        if (current === undefined) return undefined;
        if (current.isDefaultNetwork) {
          throw new LatchkeyError(
            'conflict',
            `virtual network ${id} is the default; make another network the default before deleting it`,
          );
        }
        const users = await tx.db
          .selectFrom('targets')
          .select((eb) => eb.fn.countAll().as('count'))
          .where('account_id', '=', accountId)
          .where((eb) => eb.or([eb('ipv4_vnet_id', '=', id), eb('ipv6_vnet_id', '=', id)]))
          .executeTakeFirst();
        const inUse = Number(users?.count ?? 0);
        const inUseError = () =>
          new LatchkeyError(
            'conflict',
            inUse > 0
              ? `virtual network ${id} is still used by ${inUse} target(s)`
              : `virtual network ${id} is still used by some target(s) or tunnel route(s)`,
          );
        if (inUse > 0) throw inUseError();
        // Routes are not removed with their network (a connector's reach would silently shrink): the
        // admin deletes them first.
        const routes = await routesOfVirtualNetwork(tx, accountId, id);
        if (routes.length > 0) {
          const named = routes.slice(0, 5).map((route) => `${route.network} (route ${route.id})`);
          const more = routes.length > 5 ? ` and ${routes.length - 5} more` : '';
          throw new LatchkeyError(
            'conflict',
            `virtual network ${id} is still used by ${routes.length} tunnel route(s): ${named.join(', ')}${more}`,
          );
        }
        try {
          await tx.db
            .deleteFrom('virtual_networks')
            .where('account_id', '=', accountId)
            .where('id', '=', id)
            .execute();
        } catch (error) {
          // A target or route added meanwhile.
          if (isForeignKeyViolation(error)) throw inUseError();
          throw error;
        }
        return { ...current, deletedAt: now(tx) };
      });
    },
  };
}
