/**
 * `latchkey admin routes [--agent A] [--vnet NAME]`, `routes create NETWORK --agent A [--vnet NAME]
 * [--comment TEXT]` and `routes delete ROUTE_ID`: connectors' tunnel routes over Cloudflare's
 * `…/teamnet/routes` (docs/tunnels.md, "Connectors"). An agent is named by its id, or by its hostname
 * when exactly one agent has it; a virtual network by its name. The server checks the network.
 */
import { LatchkeyError, type Agent, type TunnelRoute } from '@latchkey/shared';
import { isUuid } from '../../domain/admin/admin-arguments.js';
import { resolveAccountId } from '../api-token-account.js';
import { collectPages } from './collect-pages.js';
import type { TunnelRoutesApi } from './ports.js';

const ALL = 100_000;

export interface ListedTunnelRoutes {
  routes: TunnelRoute[];
  /** Agent id → hostname, and virtual network id → name, for the table. */
  agentNames: Map<string, string>;
  networkNames: Map<string, string>;
}

export async function listAdminTunnelRoutes(
  api: TunnelRoutesApi,
  request: { account?: string; agent?: string; vnet?: string },
): Promise<ListedTunnelRoutes> {
  const accountId = await resolveAccountId(api, request.account);
  const agents = await api.listAgents(accountId);
  const networks = await api.listVirtualNetworks(accountId, {});
  const agentId = request.agent === undefined ? undefined : findAgent(agents, request.agent).id;
  const networkId = request.vnet === undefined ? undefined : networkNamed(networks, request.vnet).id;
  const routes = await collectPages(
    (page, per_page) =>
      api.listTunnelRoutes(accountId, {
        ...(agentId === undefined ? {} : { tunnel_id: agentId }),
        ...(networkId === undefined ? {} : { virtual_network_id: networkId }),
        page,
        per_page,
      }),
    ALL,
  );
  return {
    routes,
    agentNames: new Map(agents.map((agent) => [agent.id, agent.hostname])),
    networkNames: new Map(networks.map((network) => [network.id, network.name])),
  };
}

export async function createAdminTunnelRoute(
  api: TunnelRoutesApi,
  request: { account?: string; network: string; agent: string; vnet?: string; comment?: string },
): Promise<{ route: TunnelRoute; agent: Agent }> {
  const accountId = await resolveAccountId(api, request.account);
  const agent = findAgent(await api.listAgents(accountId), request.agent);
  const networkId =
    request.vnet === undefined
      ? undefined
      : networkNamed(await api.listVirtualNetworks(accountId, { name: request.vnet }), request.vnet).id;
  const route = await api.createTunnelRoute(accountId, {
    network: request.network,
    tunnel_id: agent.id,
    ...(networkId === undefined ? {} : { virtual_network_id: networkId }),
    ...(request.comment === undefined ? {} : { comment: request.comment }),
  });
  return { route, agent };
}

export async function deleteAdminTunnelRoute(
  api: TunnelRoutesApi,
  request: { account?: string; routeId: string },
): Promise<TunnelRoute> {
  if (!isUuid(request.routeId)) {
    throw new LatchkeyError(
      'invalid_argument',
      `${JSON.stringify(request.routeId)} is not a route id (a UUID, as \`latchkey admin routes\` lists them)`,
      { pointer: 'ROUTE_ID' },
    );
  }
  const accountId = await resolveAccountId(api, request.account);
  return api.deleteTunnelRoute(accountId, request.routeId.toLowerCase());
}

/** The agent with this id, or the only one with this hostname; otherwise not_found or a conflict. */
function findAgent(agents: readonly Agent[], named: string): Agent {
  if (isUuid(named)) {
    const byId = agents.find((agent) => agent.id === named.toLowerCase());
    if (byId !== undefined) return byId;
  }
  const byHostname = agents.filter((agent) => agent.hostname === named);
  if (byHostname.length === 1) return byHostname[0]!;
  if (byHostname.length > 1) {
    throw new LatchkeyError(
      'conflict',
      `${byHostname.length} agents have the hostname ${JSON.stringify(named)} (${byHostname
        .map((agent) => agent.id)
        .join(', ')}): name one by its id`,
      { pointer: '--agent' },
    );
  }
  throw new LatchkeyError(
    'not_found',
    `no agent has the id or hostname ${JSON.stringify(named)}; \`latchkey admin agents\` lists them`,
    { pointer: '--agent' },
  );
}

function networkNamed<N extends { id: string; name: string }>(networks: readonly N[], name: string): N {
  const named = networks.find((network) => network.name === name);
  if (named === undefined) {
    throw new LatchkeyError('not_found', `no virtual network is named ${JSON.stringify(name)}`, {
      pointer: '--vnet',
    });
  }
  return named;
}
