/**
 * The connector's dials (docs/tunnels.md "Connectors"): a tunnel stream whose `latchkey-dial` header names
 * an address and port is connected to that address over TCP, if the address is inside one of this host's
 * `--route` ranges (domain/tunnel/connector-routes.ts); anything else is refused before any packet leaves
 * the host. node's BlockList does the containment (IPv4 and IPv6 subnets).
 */
import { BlockList, connect, isIPv4, isIPv6, type Socket } from 'node:net';
import { mappedIpv4, type ConnectorRoute } from '../../domain/tunnel/connector-routes.js';

/** How long a dial may take before the person is told the address does not answer. */
const DIAL_TIMEOUT_MS = 10_000;

export type DialOutcome =
  { ok: true; socket: Socket } | { ok: false; status: 403 | 502 | 504; reason: string };

export class ConnectorDialer {
  // One list per family: BlockList checks an IPv4 address against IPv6 ranges through its ::ffff: form,
  // so a single list with `::/0` in it would hold every IPv4 host.
  private readonly ipv4 = new BlockList();
  private readonly ipv6 = new BlockList();

  constructor(readonly routes: readonly ConnectorRoute[]) {
    for (const route of routes) {
      (route.family === 'ipv4' ? this.ipv4 : this.ipv6).addSubnet(route.network, route.prefix, route.family);
    }
  }

  /** IPv4 (and IPv4-mapped IPv6, which reaches an IPv4 host) only inside IPv4 ranges; IPv6 inside IPv6 ones. */
  allows(address: string): boolean {
    const v4 = isIPv4(address) ? address : mappedIpv4(address);
    if (v4 !== undefined) return this.ipv4.check(v4, 'ipv4');
    return isIPv6(address) && this.ipv6.check(address, 'ipv6');
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
