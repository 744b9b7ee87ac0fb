/**
 * The Cloudflare-shaped API the agent registers through: targets, the SSH CA and virtual networks, at
 * Cloudflare itself or at the access server's agent mirror (/v1/agents/client/v4). Same shapes either
 * way (adapters/http/cloudflare-api-client.ts). Every call may throw LatchkeyError: `unavailable` when
 * the server cannot be reached or answers 5xx (the daemon retries those), others as the server said.
 */
import type { ListedTarget, TargetBody } from '../../domain/agent/plan-registration.js';

export interface ControlPlane {
  /** Targets with exactly this hostname (case-insensitive). */
  listTargetsByHostname(hostname: string): Promise<ListedTarget[]>;
  /** One target by id; undefined when it does not exist (or, at the agent mirror, is not the agent's). */
  getTarget(id: string): Promise<ListedTarget | undefined>;
  createTarget(body: TargetBody): Promise<ListedTarget>;
  replaceTarget(id: string, body: TargetBody): Promise<ListedTarget>;
  /** The id of the virtual network with this name; undefined when there is none. */
  findVirtualNetworkId(name: string): Promise<string | undefined>;
  /** The account CA's public keys (`GET …/access/gateway_ca`), authorized-keys lines. */
  listCaPublicKeys(): Promise<string[]>;
  /**
   * `POST …/access/gateway_ca`: the new CA's public key, or undefined when the account already has one
   * (Cloudflare's `access.api.error.gateway_ca_already_exists`).
   */
  createCa(): Promise<string | undefined>;
}
