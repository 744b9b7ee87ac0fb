/**
 * The connector's dials (docs/tunnels.md "Connectors"): a tunnel stream whose `latchkey-dial` header names
 * an address and port is connected to that address over TCP, if the address is inside one of this host's
 * `--route` ranges (domain/tunnel/connector-routes.ts); anything else is refused before any packet leaves
 * the host. node's BlockList does the containment (IPv4 and IPv6 subnets).
 */
import { BlockList, connect, type Socket } from 'node:net';
import type { ConnectorRoute } from '../../domain/tunnel/connector-routes.js';

/** How long a dial may take before the person is told the address does not answer. */
const DIAL_TIMEOUT_MS = 10_000;

export type DialOutcome =
  { ok: true; socket: Socket } | { ok: false; status: 403 | 502 | 504; reason: string };

export class ConnectorDialer {
  private readonly allowed = new BlockList();

  constructor(readonly routes: readonly ConnectorRoute[]) {
    for (const route of routes) this.allowed.addSubnet(route.network, route.prefix, route.family);
  }

  allows(address: string): boolean {
    const family = address.includes(':') ? 'ipv6' : 'ipv4';
    return this.allowed.check(address, family);
  }

  /** Connects to `address:port` when a route allows it; says why not otherwise. */
  dial(address: string, port: number): Promise<DialOutcome> {
    if (!this.allows(address)) {
      return Promise.resolve({
        ok: false,
        status: 403,
        reason: `${address} is in none of this agent's --route ranges`,
      });
    }
    return new Promise((resolve) => {
      const socket = connect({ host: address, port, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        resolve({
          ok: false,
          status: 504,
          reason: `${address}:${port} did not answer in ${DIAL_TIMEOUT_MS / 1000} s`,
        });
      }, DIAL_TIMEOUT_MS);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve({ ok: true, socket });
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        resolve({ ok: false, status: 502, reason: `${address}:${port}: ${error.message}` });
      });
    });
  }
}
