/**
 * Use cases of tunnel routes (issue 14, connectors; Cloudflare's `teamnet/routes`): an admin routes a
 * private network of a virtual network to a connector agent, which dials its addresses for people. The
 * network is kept in its canonical spelling (domain/cidr.ts), so one network has one route per virtual
 * network. Each change is audited in its transaction (`tunnel_route.create`, `tunnel_route.delete`).
 * Routes go with their agent (the store cascades; `agent.delete` is the event); a virtual network with
 * routes cannot be deleted (the store names them).
 */
import { LatchkeyError, isLatchkeyError } from '@latchkey/shared';
import type { TunnelRouteCreateBody, TunnelRouteListQuery } from '@latchkey/shared';
import { canonicalCidr } from '../domain/cidr.js';
import type { TunnelRouteRecord } from '../domain/records.js';
import { presentTunnelRoute } from '../domain/tunnel-route-representation.js';
import { recordChange } from './audit-trail.js';
import type { Caller } from './caller.js';
import { found } from './not-found.js';
import type { Page, StoreOf, TunnelRouteFilter } from './ports/store.js';

/** What the tunnel-route use cases need: the routes, the agents and networks they name, the audit trail. */
export interface TunnelRoutesDeps {
  store: StoreOf<'tunnelRoutes' | 'agents' | 'virtualNetworks' | 'auditEvents'>;
}

export async function createTunnelRoute(
  services: TunnelRoutesDeps,
  caller: Caller,
  body: TunnelRouteCreateBody,
): Promise<TunnelRouteRecord> {
  let network: string;
  try {
    network = canonicalCidr(body.network, 'network');
  } catch (error) {
    if (isLatchkeyError(error, 'invalid_argument')) {
      throw new LatchkeyError('invalid_argument', error.message, { pointer: '/network' });
    }
    throw error;
  }
  const agentId = body.tunnel_id.toLowerCase();
  return services.store.transaction(async (tx) => {
    const agent = await tx.agents.get(caller.accountId, agentId);
    if (agent === undefined) {
      throw new LatchkeyError('invalid_argument', `tunnel_id ${agentId} is not an agent of this account`, {
        pointer: '/tunnel_id',
      });
    }
    let virtualNetworkId: string;
    if (body.virtual_network_id === undefined) {
      virtualNetworkId = (await tx.virtualNetworks.getDefault(caller.accountId)).id;
    } else {
      virtualNetworkId = body.virtual_network_id.toLowerCase();
      if ((await tx.virtualNetworks.get(caller.accountId, virtualNetworkId)) === undefined) {
        throw new LatchkeyError(
          'invalid_argument',
          `virtual network ${virtualNetworkId} does not exist in this account`,
          { pointer: '/virtual_network_id' },
        );
      }
    }
    const route = await tx.tunnelRoutes.create(caller.accountId, {
      network,
      agentId,
      virtualNetworkId,
      comment: body.comment ?? '',
    });
    await recordChange(tx, caller, {
      action: 'tunnel_route.create',
      resourceType: 'tunnel_route',
      resourceId: route.id,
      after: { ...presentTunnelRoute(route), tunnel_name: agent.hostname },
    });
    return route;
  });
}

export async function listTunnelRoutes(
  services: TunnelRoutesDeps,
  caller: Caller,
  query: TunnelRouteListQuery,
): Promise<Page<TunnelRouteRecord>> {
  const filter: TunnelRouteFilter = {};
  if (query.tunnel_id !== undefined) filter.agentId = query.tunnel_id.toLowerCase();
  if (query.virtual_network_id !== undefined)
    filter.virtualNetworkId = query.virtual_network_id.toLowerCase();
  if (query.page !== undefined) filter.page = query.page;
  if (query.per_page !== undefined) filter.perPage = query.per_page;
  // A deleted route is removed, not kept: "only deleted ones" is always none.
  if (query.is_deleted === true) {
    return { items: [], page: query.page ?? 1, perPage: query.per_page ?? 1000, totalCount: 0 };
  }
  return services.store.tunnelRoutes.list(caller.accountId, filter);
}

export async function getTunnelRoute(
  services: TunnelRoutesDeps,
  caller: Caller,
  id: string,
): Promise<TunnelRouteRecord> {
  return found(await services.store.tunnelRoutes.get(caller.accountId, id), 'tunnel route', id);
}

export async function deleteTunnelRoute(
  services: TunnelRoutesDeps,
  caller: Caller,
  id: string,
): Promise<TunnelRouteRecord> {
  return services.store.transaction(async (tx) => {
    const deleted = found(await tx.tunnelRoutes.delete(caller.accountId, id), 'tunnel route', id);
    await recordChange(tx, caller, {
      action: 'tunnel_route.delete',
      resourceType: 'tunnel_route',
      resourceId: id,
      before: presentTunnelRoute({ ...deleted, deletedAt: undefined }),
    });
    return deleted;
  });
}
