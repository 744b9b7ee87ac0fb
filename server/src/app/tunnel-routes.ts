/**
 * Use cases of tunnel routes (issue 14, connectors; Cloudflare's `teamnet/routes`): an admin routes a
 * private network of a virtual network to a connector agent, which dials its addresses for people. The
 * network is kept in its canonical spelling (domain/cidr.ts), so one network has one route per virtual
 * network. Each change is audited in its transaction (`tunnel_route.create`, `.update`, `.delete`).
 * Routes go with their agent (the store cascades; `agent.delete` is the event); a virtual network with
 * routes cannot be deleted (the store names them).
 */
import { LatchkeyError, isLatchkeyError } from '@latchkey/shared';
import type {
  TunnelRouteCreateBody,
  TunnelRouteIpQuery,
  TunnelRouteListQuery,
  TunnelRouteMatch,
  TunnelRoutePatchBody,
} from '@latchkey/shared';
import { canonicalCidr, parseAddress, routeFor } from '../domain/cidr.js';
import type { TunnelRouteRecord } from '../domain/records.js';
import { presentTunnelRoute } from '../domain/tunnel-route-representation.js';
import { recordChange } from './audit-trail.js';
import type { Caller } from './caller.js';
import { found } from './not-found.js';
import {
  MAX_PER_PAGE,
  type Page,
  type StoreOf,
  type TunnelRouteFilter,
  type TunnelRouteInput,
} from './ports/store.js';

/** What the tunnel-route use cases need: the routes, the agents and networks they name, the audit trail. */
export interface TunnelRoutesDeps {
  store: StoreOf<'tunnelRoutes' | 'agents' | 'virtualNetworks' | 'auditEvents'>;
}

/** The network in its canonical spelling; invalid_argument at `/network` saying what is wrong. */
function networkOf(text: string): string {
  try {
    return canonicalCidr(text, 'network');
  } catch (error) {
    if (isLatchkeyError(error, 'invalid_argument')) {
      throw new LatchkeyError('invalid_argument', error.message, { pointer: '/network' });
    }
    throw error;
  }
}

export async function createTunnelRoute(
  services: TunnelRoutesDeps,
  caller: Caller,
  body: TunnelRouteCreateBody,
): Promise<TunnelRouteRecord> {
  const network = networkOf(body.network);
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

/**
 * The names Cloudflare shows beside routes in lists: each agent's hostname (`tunnel_name`) and each
 * virtual network's name (`virtual_network_name`), by id.
 */
export async function tunnelRouteNames(
  services: TunnelRoutesDeps,
  caller: Caller,
): Promise<{ agents: Map<string, string>; networks: Map<string, string> }> {
  const [agents, networks] = await Promise.all([
    services.store.agents.list(caller.accountId),
    services.store.virtualNetworks.list(caller.accountId),
  ]);
  return {
    agents: new Map(agents.map((agent) => [agent.id, agent.hostname])),
    networks: new Map(networks.map((network) => [network.id, network.name])),
  };
}

export async function getTunnelRoute(
  services: TunnelRoutesDeps,
  caller: Caller,
  id: string,
): Promise<TunnelRouteRecord> {
  return found(await services.store.tunnelRoutes.get(caller.accountId, id), 'tunnel route', id);
}

/**
 * Cloudflare's PATCH: the fields given change (the network canonicalised, the agent and virtual network
 * the account's), audited with before and after.
 */
export async function updateTunnelRoute(
  services: TunnelRoutesDeps,
  caller: Caller,
  id: string,
  body: TunnelRoutePatchBody,
): Promise<TunnelRouteRecord> {
  const patch: Partial<TunnelRouteInput> = {};
  if (body.network !== undefined) patch.network = networkOf(body.network);
  if (body.tunnel_id !== undefined) patch.agentId = body.tunnel_id.toLowerCase();
  if (body.virtual_network_id !== undefined) patch.virtualNetworkId = body.virtual_network_id.toLowerCase();
  if (body.comment !== undefined) patch.comment = body.comment;
  return services.store.transaction(async (tx) => {
    const before = found(await tx.tunnelRoutes.get(caller.accountId, id), 'tunnel route', id);
    if (patch.agentId !== undefined && (await tx.agents.get(caller.accountId, patch.agentId)) === undefined) {
      throw new LatchkeyError(
        'invalid_argument',
        `tunnel_id ${patch.agentId} is not an agent of this account`,
        {
          pointer: '/tunnel_id',
        },
      );
    }
    if (
      patch.virtualNetworkId !== undefined &&
      (await tx.virtualNetworks.get(caller.accountId, patch.virtualNetworkId)) === undefined
    ) {
      throw new LatchkeyError(
        'invalid_argument',
        `virtual network ${patch.virtualNetworkId} does not exist in this account`,
        { pointer: '/virtual_network_id' },
      );
    }
    const after = found(await tx.tunnelRoutes.update(caller.accountId, id, patch), 'tunnel route', id);
    await recordChange(tx, caller, {
      action: 'tunnel_route.update',
      resourceType: 'tunnel_route',
      resourceId: id,
      before: presentTunnelRoute(before),
      after: presentTunnelRoute(after),
    });
    return after;
  });
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

/**
 * The route a stream to `ip` takes (Cloudflare's `GET …/teamnet/routes/ip/{ip}`): the longest prefix
 * holding it among the routes of `virtual_network_id`, or of the default network, or (with
 * `default_virtual_network_fallback=false` and no network given) of every network; with the agent's
 * hostname and the network's name. not_found when none holds it.
 */
export async function findTunnelRouteForIp(
  services: TunnelRoutesDeps,
  caller: Caller,
  ip: string,
  query: TunnelRouteIpQuery,
): Promise<TunnelRouteMatch> {
  if (parseAddress(ip) === undefined) {
    throw new LatchkeyError('invalid_argument', `${JSON.stringify(ip)} is not an IPv4 or IPv6 address`, {
      pointer: '/ip',
    });
  }
  const { store } = services;
  let candidates: TunnelRouteRecord[];
  let where: string;
  if (query.virtual_network_id !== undefined) {
    const id = query.virtual_network_id.toLowerCase();
    found(await store.virtualNetworks.get(caller.accountId, id), 'virtual network', id);
    candidates = await store.tunnelRoutes.listForNetwork(caller.accountId, id);
    where = `virtual network ${id}`;
  } else if (query.default_virtual_network_fallback === false) {
    candidates = [];
    for (let page = 1; ; page += 1) {
      const got = await store.tunnelRoutes.list(caller.accountId, { page, perPage: MAX_PER_PAGE });
      candidates.push(...got.items);
      if (got.items.length < MAX_PER_PAGE) break;
    }
    where = 'any virtual network';
  } else {
    const id = (await store.virtualNetworks.getDefault(caller.accountId)).id;
    candidates = await store.tunnelRoutes.listForNetwork(caller.accountId, id);
    where = `the default virtual network (${id})`;
  }
  const route = routeFor(ip, candidates);
  if (route === undefined) throw new LatchkeyError('not_found', `no route of ${where} holds ${ip}`);
  const agent = await store.agents.get(caller.accountId, route.agentId);
  const network = await store.virtualNetworks.get(caller.accountId, route.virtualNetworkId);
  return {
    ...presentTunnelRoute(route),
    tunnel_name: agent?.hostname ?? '',
    virtual_network_name: network?.name ?? '',
  };
}
