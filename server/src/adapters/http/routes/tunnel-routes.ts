/**
 * Cloudflare's tunnel routes, under /client/v4/accounts/{account_id}/teamnet/routes (issue 14,
 * connectors): a private network of a virtual network, reached through an agent (`tunnel_id`).
 */
import Type from 'typebox';
import {
  AccountAndIdParams,
  AccountParams,
  resultInfo,
  TunnelRouteCreateSchema,
  TunnelRouteIpParams,
  TunnelRouteIpQuerySchema,
  TunnelRouteListQuerySchema,
  TunnelRouteMatchSchema,
  TunnelRoutePatchSchema,
  TunnelRouteSchema,
} from '@latchkey/shared';
import {
  createTunnelRoute,
  deleteTunnelRoute,
  findTunnelRouteForIp,
  getTunnelRoute,
  listTunnelRoutes,
  tunnelRouteNames,
  updateTunnelRoute,
} from '../../../app/tunnel-routes.js';
import { PERMISSIONS } from '../../../domain/permissions.js';
import { presentTunnelRoute } from '../../../domain/tunnel-route-representation.js';
import { ACCOUNT_PREFIX } from './route-context.js';
import type { RouteContext } from './route-context.js';

const BASE = `${ACCOUNT_PREFIX}/teamnet/routes`;
const RouteParams = AccountAndIdParams('route_id');
const tags = ['Tunnel routes'];

export function tunnelRouteRoutes({ route, services }: RouteContext): void {
  route({
    method: 'GET',
    url: BASE,
    access: PERMISSIONS.zeroTrustRead,
    summary: 'List tunnel routes',
    description:
      "Oldest first, each with the agent's hostname (tunnel_name) and the virtual network's name. Filters (ANDed): " +
      'tunnel_id (the agent), virtual_network_id, is_deleted. Paged (page, per_page, default 1000).',
    tags,
    params: AccountParams,
    querystring: TunnelRouteListQuerySchema,
    result: Type.Array(TunnelRouteMatchSchema),
    paged: true,
    handle: async ({ caller, query }) => {
      const page = await listTunnelRoutes(services, caller, query);
      const names = page.items.length === 0 ? undefined : await tunnelRouteNames(services, caller);
      return {
        result: page.items.map((route) => ({
          ...presentTunnelRoute(route),
          tunnel_name: names?.agents.get(route.agentId) ?? '',
          virtual_network_name: names?.networks.get(route.virtualNetworkId) ?? '',
        })),
        resultInfo: resultInfo(page.page, page.perPage, page.items.length, page.totalCount),
      };
    },
  });

  route({
    method: 'POST',
    url: BASE,
    access: PERMISSIONS.zeroTrustEdit,
    summary: 'Create a tunnel route',
    description:
      "Routes a private network (CIDR) of a virtual network (default: the account's default) to the agent tunnel_id, " +
      'which dials its addresses for people. 409 when the network is already routed in that virtual network; ' +
      '400 for host bits set past the prefix, or an agent or virtual network the account does not have.',
    tags,
    params: AccountParams,
    body: TunnelRouteCreateSchema,
    result: TunnelRouteSchema,
    handle: async ({ caller, body }) => ({
      result: presentTunnelRoute(await createTunnelRoute(services, caller, body)),
    }),
  });

  route({
    method: 'GET',
    url: `${BASE}/ip/:ip`,
    access: PERMISSIONS.zeroTrustRead,
    summary: 'Get the route an address takes',
    description:
      "The longest prefix holding the address (ties: the oldest route) among the routes of virtual_network_id, or of the account's " +
      'default network, or of every network with default_virtual_network_fallback=false. 404 when none holds it.',
    tags,
    params: TunnelRouteIpParams,
    querystring: TunnelRouteIpQuerySchema,
    result: TunnelRouteMatchSchema,
    handle: async ({ caller, params, query }) => ({
      result: await findTunnelRouteForIp(services, caller, params.ip, query),
    }),
  });

  route({
    method: 'GET',
    url: `${BASE}/:route_id`,
    access: PERMISSIONS.zeroTrustRead,
    summary: 'Get a tunnel route',
    tags,
    params: RouteParams,
    result: TunnelRouteSchema,
    handle: async ({ caller, params }) => ({
      result: presentTunnelRoute(await getTunnelRoute(services, caller, params.route_id.toLowerCase())),
    }),
  });

  route({
    method: 'PATCH',
    url: `${BASE}/:route_id`,
    access: PERMISSIONS.zeroTrustEdit,
    summary: 'Update a tunnel route',
    description:
      'Changes the fields given: network (canonicalised), tunnel_id, virtual_network_id, comment. The same refusals as a create.',
    tags,
    params: RouteParams,
    body: TunnelRoutePatchSchema,
    result: TunnelRouteSchema,
    handle: async ({ caller, params, body }) => ({
      result: presentTunnelRoute(
        await updateTunnelRoute(services, caller, params.route_id.toLowerCase(), body),
      ),
    }),
  });

  route({
    method: 'DELETE',
    url: `${BASE}/:route_id`,
    access: PERMISSIONS.zeroTrustEdit,
    summary: 'Delete a tunnel route',
    description:
      "Removing an agent also removes its routes; a virtual network with routes can't be deleted (409).",
    tags,
    params: RouteParams,
    result: TunnelRouteSchema,
    handle: async ({ caller, params }) => ({
      result: presentTunnelRoute(await deleteTunnelRoute(services, caller, params.route_id.toLowerCase())),
    }),
  });
}
