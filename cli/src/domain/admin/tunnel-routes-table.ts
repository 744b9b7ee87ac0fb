/**
 * The table `latchkey admin routes` prints (`--json` prints the API's result instead). Every field comes
 * from the server (agents' hostnames from the agents), so each is escaped for the terminal first.
 */
import type { TunnelRoute } from '@latchkey/shared';
import { escapeForTerminal } from '../terminal-text.js';
import { renderTextTable } from '../text-table.js';

const safe = (value: unknown) => escapeForTerminal(String(value));

export function renderTunnelRoutesTable(
  routes: readonly TunnelRoute[],
  agentNames: ReadonlyMap<string, string>,
  networkNames: ReadonlyMap<string, string>,
): string {
  if (routes.length === 0) {
    return 'No tunnel routes. Route a network to a connector with `latchkey admin routes create`.\n';
  }
  return renderTextTable(
    ['ID', 'NETWORK', 'AGENT', 'VIRTUAL NETWORK', 'COMMENT', 'CREATED'],
    routes.map((route) => [
      safe(route.id),
      safe(route.network),
      safe(agentNames.get(route.tunnel_id) ?? route.tunnel_id),
      safe(networkNames.get(route.virtual_network_id) ?? route.virtual_network_id),
      route.comment === '' ? '-' : safe(route.comment),
      safe(route.created_at),
    ]),
  );
}
