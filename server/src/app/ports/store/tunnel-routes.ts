/**
 * Tunnel routes: which connector agent reaches which private addresses of a virtual network (issue #14,
 * docs/tunnels.md "Connectors"). Part of the store port (../store.ts, which states the contract every
 * repository keeps).
 */
import type { TunnelRouteRecord } from '../../../domain/records.js';
import type { Page, PageRequest } from './paging.js';

export interface TunnelRouteInput {
  /** Canonical CIDR (the use case normalises it: `10.77.0.5/24` is refused, `10.77.0.0/24` kept). */
  network: string;
  agentId: string;
  virtualNetworkId: string;
  comment?: string;
}

export interface TunnelRouteFilter extends PageRequest {
  virtualNetworkId?: string;
  agentId?: string;
}

export interface TunnelRouteRepository {
  /**
   * One network per virtual network: the same `network` twice in one virtual network is a conflict
   * naming both; an unknown agent or virtual network is `invalid_argument`.
   */
  create(accountId: string, input: TunnelRouteInput): Promise<TunnelRouteRecord>;
  get(accountId: string, id: string): Promise<TunnelRouteRecord | undefined>;
  /** Sorted by creation time, then id. */
  list(accountId: string, filter?: TunnelRouteFilter): Promise<Page<TunnelRouteRecord>>;
  /** Every route of one virtual network (the tunnel's lookup; an account has few). */
  listForNetwork(accountId: string, virtualNetworkId: string): Promise<TunnelRouteRecord[]>;
  /**
   * Changes the fields given (Cloudflare's PATCH); the same rules as `create` for the result. Undefined
   * when there is no such route.
   */
  update(
    accountId: string,
    id: string,
    patch: Partial<TunnelRouteInput>,
  ): Promise<TunnelRouteRecord | undefined>;
  /** Removes the route and returns it with `deletedAt` set. */
  delete(accountId: string, id: string): Promise<TunnelRouteRecord | undefined>;
}
