/**
 * How the agent's target gets to match the host: create it, update it, leave it, or refuse. Pure: the
 * use-case lists the targets with the agent's hostname and passes the target id it registered before
 * (kept in its state directory).
 *
 * - Its own target (the remembered id) among them: update it if the addresses or network differ.
 * - None with that hostname: create one.
 * - Only others' targets with that hostname: refuse, naming them, so two hosts never share a name by
 *   accident (an admin deletes the stale target, or the agent is given another --hostname).
 */
import type { TargetAddresses } from './pick-addresses.js';

/** A target as the targets API returns it (the fields this decision reads). */
export interface ListedTarget {
  readonly id: string;
  readonly hostname: string;
  readonly ip: {
    readonly ipv4?: { readonly ip_addr: string; readonly virtual_network_id?: string };
    readonly ipv6?: { readonly ip_addr: string; readonly virtual_network_id?: string };
  };
}

/** The body of a create or a replace, in the API's shape. */
export interface TargetBody {
  hostname: string;
  ip: {
    ipv4?: { ip_addr: string; virtual_network_id?: string };
    ipv6?: { ip_addr: string; virtual_network_id?: string };
  };
}

export type RegistrationPlan =
  | { readonly kind: 'create'; readonly body: TargetBody }
  | { readonly kind: 'update'; readonly id: string; readonly body: TargetBody }
  | { readonly kind: 'unchanged'; readonly id: string }
  | { readonly kind: 'conflict'; readonly message: string };

export interface RegistrationInput {
  readonly hostname: string;
  readonly addresses: TargetAddresses;
  /** The virtual network's id; undefined: the account's default. */
  readonly virtualNetworkId?: string;
  /** Targets the API lists for the hostname. */
  readonly existing: readonly ListedTarget[];
  /** The target this agent registered before, if any. */
  readonly ownTargetId?: string;
}

export function planRegistration(input: RegistrationInput): RegistrationPlan {
  const body = targetBody(input);
  const own = input.existing.find((target) => target.id === input.ownTargetId);
  if (own !== undefined) {
    return sameTarget(own, body, input.virtualNetworkId)
      ? { kind: 'unchanged', id: own.id }
      : { kind: 'update', id: own.id, body };
  }
  const sameName = input.existing.filter(
    (target) => target.hostname.toLowerCase() === input.hostname.toLowerCase(),
  );
  if (sameName.length === 0) return { kind: 'create', body };
  return {
    kind: 'conflict',
    message:
      `a target named ${input.hostname} already exists (${sameName.map((t) => t.id).join(', ')}) and was not ` +
      `registered by this agent; delete it in the access server, or register this host under another ` +
      `name with --hostname`,
  };
}

export function targetBody(
  input: Pick<RegistrationInput, 'hostname' | 'addresses' | 'virtualNetworkId'>,
): TargetBody {
  const vnet = input.virtualNetworkId === undefined ? {} : { virtual_network_id: input.virtualNetworkId };
  return {
    hostname: input.hostname,
    ip: {
      ...(input.addresses.ipv4 === undefined ? {} : { ipv4: { ip_addr: input.addresses.ipv4, ...vnet } }),
      ...(input.addresses.ipv6 === undefined ? {} : { ipv6: { ip_addr: input.addresses.ipv6, ...vnet } }),
    },
  };
}

/**
 * Same hostname, same addresses, and the same network when one was asked for (without one, whatever
 * default the server resolved is fine).
 */
function sameTarget(target: ListedTarget, body: TargetBody, virtualNetworkId: string | undefined): boolean {
  if (target.hostname !== body.hostname) return false;
  for (const family of ['ipv4', 'ipv6'] as const) {
    const have = target.ip[family];
    const want = body.ip[family];
    if ((have === undefined) !== (want === undefined)) return false;
    if (have === undefined || want === undefined) continue;
    if (normalizeIp(have.ip_addr) !== normalizeIp(want.ip_addr)) return false;
    if (virtualNetworkId !== undefined && have.virtual_network_id !== virtualNetworkId) return false;
  }
  return true;
}

function normalizeIp(address: string): string {
  return address.toLowerCase();
}
