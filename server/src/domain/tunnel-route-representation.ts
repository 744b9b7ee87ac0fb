/** A tunnel route as the API shows it (Cloudflare's field names: `tunnel_id` is the agent's id). */
import type { TunnelRoute } from '@latchkey/shared';
import type { TunnelRouteRecord } from './records.js';

export function presentTunnelRoute(route: TunnelRouteRecord): TunnelRoute {
  const shown: TunnelRoute = {
    id: route.id,
    network: route.network,
    tunnel_id: route.agentId,
    virtual_network_id: route.virtualNetworkId,
    comment: route.comment,
    created_at: route.createdAt.toISOString(),
  };
  if (route.deletedAt !== undefined) shown.deleted_at = route.deletedAt.toISOString();
  return shown;
}
