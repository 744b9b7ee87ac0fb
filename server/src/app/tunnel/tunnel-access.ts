/**
 * Policy at the tunnel's proxy (issue #14, docs/tunnels.md): whether a signed-in person may open a
 * stream to a target through its agent's tunnel, decided before anything reaches the agent, with the
 * same policy evaluation that issues certificates (domain/access: reachableTargets). A person may open a
 * stream to a target when some policy grants them at least one username on it; a stream always ends at
 * the agent's SSH front, where SSH checks the certificate (and its username) end to end.
 *
 * Every refusal and every stream is an audit event: `tunnel.stream.deny`, `tunnel.stream.open`,
 * `tunnel.stream.close` (bytes both ways and duration).
 */
import { isIP } from 'node:net';
import { LatchkeyError } from '@latchkey/shared';
import { reachableTargets } from '../../domain/access/evaluate-access.js';
import { targetAccounts, targetFront } from '../../domain/certificate-binding.js';
import { parseAddress, routeFor } from '../../domain/cidr.js';
import type { AgentRecord, TargetRecord } from '../../domain/records.js';
import type { Repositories, StoreOf } from '../ports/store.js';
import { MAX_PER_PAGE } from '../ports/store/paging.js';
import { currentAccessConfig, type AccessConfigDeps } from '../sign-in/access-config.js';
import type { PersonCaller } from '../sign-in/person-caller.js';

export interface TunnelStreamRequest {
  /** The target's id, hostname or address (hostnames and addresses repeat across virtual networks). */
  target: string;
  /** The port asked for; default the front's. Only a port policy covers, or the front's, is accepted. */
  port?: number;
  /** The virtual network's id or name: which of several targets of one hostname is meant. */
  virtualNetwork?: string;
}

export interface TunnelStreamGrant {
  target: TargetRecord;
  /** The port the person asked for (or the front's). */
  port: number;
  /** The agents of the target (the registry picks the one with a tunnel). */
  agents: AgentRecord[];
  /**
   * For a target without an agent: the connector that reaches it (the route of its virtual network
   * that holds its address, longest prefix first) and the address it dials. Absent when no route does.
   */
  connector?: { agentId: string; routeId: string; network: string; address: string };
  policyIds: string[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Targets of one hostname considered at once: the store's largest page (one query, every virtual network). */
const MAX_TARGETS_PER_HOSTNAME = MAX_PER_PAGE;

/** What authorizeTunnelStream reads: the targets and their agents, the policy, the routes; it audits refusals. */
export type AuthorizeTunnelStreamDeps = AccessConfigDeps & {
  store: Pick<Repositories, 'auditEvents' | 'targets' | 'agents' | 'virtualNetworks' | 'tunnelRoutes'>;
};

/** What the stream audit events need. */
export interface TunnelStreamAuditDeps {
  store: Pick<Repositories, 'auditEvents'>;
}

/**
 * Resolves the target and checks policy; throws (after an audit event for policy refusals) when refused.
 *
 * Nothing about targets a person may not reach leaks through the answers: a target that does not exist,
 * one no policy lets them reach, and a hostname whose every target is out of their reach all get the same
 * refusal, worded with what they asked for. Only among the targets they may reach does a hostname that
 * names several (in several virtual networks) answer `conflict`, naming those networks.
 */
export async function authorizeTunnelStream(
  services: AuthorizeTunnelStreamDeps,
  caller: PersonCaller,
  request: TunnelStreamRequest,
): Promise<TunnelStreamGrant> {
  const { store } = services;
  const asked = request.target.trim();
  const refuse = async (reason: string, resourceId: string, message: string): Promise<never> => {
    await store.auditEvents.append(caller.accountId, {
      actor: caller.actor,
      action: 'tunnel.stream.deny',
      resourceType: 'target',
      resourceId,
      after: {
        person: caller.person.email,
        reason,
        session: caller.sessionId,
        ...(request.port === undefined ? {} : { port: request.port }),
        ...(request.virtualNetwork === undefined ? {} : { virtual_network: request.virtualNetwork }),
        ...(caller.person.ip === undefined ? {} : { client_ip: caller.person.ip }),
      },
    });
    throw new LatchkeyError('access_denied', message);
  };
  const unreachable = `no policy lets you reach ${asked}${request.port === undefined ? '' : ` on port ${request.port}`}`;

  // The policy is loaded whether or not a target was found, so that both refusals take alike long.
  const [{ targets: candidates, networkId }, { catalog }] = await Promise.all([
    candidateTargets(services, caller.accountId, asked, request.virtualNetwork),
    currentAccessConfig(services, caller.accountId),
  ]);
  if (candidates.length === 0) return refuse('no_app', asked, unreachable);
  const decided = await Promise.all(
    candidates.map(async (target) => {
      const agents = await store.agents.listForTarget(caller.accountId, target.id);
      const accounts = targetAccounts(agents);
      const grants = reachableTargets(caller.person, catalog, [target], () => accounts);
      const frontPort = targetFront(agents)?.port;
      if (frontPort !== undefined && (request.port === undefined || request.port === frontPort)) {
        // The front is the one way in to a fronted target: asking for its port is asking for the target.
        return { target, agents, grants, allowed: grants, port: frontPort };
      }
      // Any other target is dialled at a port: one a policy covers (22 when it is one, else the lowest).
      const ports = grants.map((grant) => grant.port);
      const port = request.port ?? (ports.length === 0 || ports.includes(22) ? 22 : Math.min(...ports));
      const allowed = grants.filter((grant) => grant.port === port);
      return { target, agents, grants, allowed, port };
    }),
  );
  const reachable = decided.filter((entry) => entry.allowed.length > 0);
  if (reachable.length === 0) {
    const reason = decided.some((entry) => entry.grants.length > 0) ? 'port_not_allowed' : 'no_policy';
    return refuse(reason, candidates.length === 1 ? candidates[0]!.id : asked, unreachable);
  }
  if (reachable.length > 1) {
    const networks = await Promise.all(
      reachable.map(async ({ target }) => {
        const id = (target.ipv4 ?? target.ipv6)?.virtualNetworkId;
        return id === undefined
          ? 'unknown'
          : ((await store.virtualNetworks.get(caller.accountId, id))?.name ?? id);
      }),
    );
    throw new LatchkeyError(
      'conflict',
      `${asked} names ${reachable.length} targets you may reach, in the virtual networks ` +
        `${networks.join(', ')}: name one with virtual_network=<name or id> (latchkey: --vnet), or use the target's id`,
    );
  }
  const [chosen] = reachable;
  const connector =
    chosen!.agents.length === 0
      ? await connectorFor(services, chosen!.target, {
          ...(networkId === undefined ? {} : { networkId }),
          ...(isIP(asked) === 0 ? {} : { address: asked }),
        })
      : undefined;
  return {
    target: chosen!.target,
    port: chosen!.port,
    agents: chosen!.agents,
    ...(connector === undefined ? {} : { connector }),
    policyIds: [...new Set(chosen!.allowed.flatMap((grant) => grant.policyIds))],
  };
}

/**
 * The connector of an agentless target (docs/tunnels.md "Connectors"): of the routes of the target's
 * virtual network, the one with the longest prefix holding its address. A target may have its IPv4 and
 * IPv6 addresses in two networks: the network the person named, or the address they asked for, decides
 * which (a named network is the only one used); else IPv4 first, then IPv6.
 */
export async function connectorFor(
  services: { store: Pick<Repositories, 'tunnelRoutes'> },
  target: TargetRecord,
  asked: { networkId?: string; address?: string } = {},
): Promise<TunnelStreamGrant['connector']> {
  const askedAddress = asked.address === undefined ? undefined : parseAddress(asked.address);
  const isAsked = (address: string) => {
    const parsed = parseAddress(address);
    return (
      askedAddress !== undefined &&
      parsed?.family === askedAddress.family &&
      parsed.value === askedAddress.value
    );
  };
  const ips = [target.ipv4, target.ipv6]
    .filter((ip) => ip !== undefined)
    .filter((ip) => asked.networkId === undefined || ip.virtualNetworkId === asked.networkId)
    .sort((a, b) => Number(isAsked(b.address)) - Number(isAsked(a.address)));
  for (const ip of ips) {
    const routes = await services.store.tunnelRoutes.listForNetwork(target.accountId, ip.virtualNetworkId);
    const route = routeFor(ip.address, routes);
    if (route !== undefined) {
      return { agentId: route.agentId, routeId: route.id, network: route.network, address: ip.address };
    }
  }
  return undefined;
}

/** The targets `reference` (an id, or a hostname) may mean, in `virtualNetwork` when one is named. */
async function candidateTargets(
  services: { store: Pick<Repositories, 'targets' | 'virtualNetworks'> },
  accountId: string,
  reference: string,
  virtualNetwork: string | undefined,
): Promise<{ targets: TargetRecord[]; networkId?: string }> {
  const { store } = services;
  let networkId: string | undefined;
  if (virtualNetwork !== undefined) {
    const wanted = virtualNetwork.trim();
    const network = UUID.test(wanted)
      ? await store.virtualNetworks.get(accountId, wanted.toLowerCase())
      : (await store.virtualNetworks.list(accountId, { name: wanted }))[0];
    // An unknown network matches nothing: the same refusal as an unknown target.
    if (network === undefined) return { targets: [] };
    networkId = network.id;
  }
  const inNetwork = (target: TargetRecord) =>
    networkId === undefined ||
    target.ipv4?.virtualNetworkId === networkId ||
    target.ipv6?.virtualNetworkId === networkId;
  if (UUID.test(reference)) {
    const target = await store.targets.get(accountId, reference.toLowerCase());
    return {
      targets: target !== undefined && inNetwork(target) ? [target] : [],
      ...(networkId === undefined ? {} : { networkId }),
    };
  }
  // A bare address names the targets that have it; the same private address in two virtual networks is
  // two targets, told apart by the network (the conflict below names the choice).
  const page = await store.targets.list(accountId, {
    ...(isIP(reference) === 0 ? { hostname: reference } : { ips: [reference] }),
    ...(networkId === undefined ? {} : { virtualNetworkId: networkId }),
    perPage: MAX_TARGETS_PER_HOSTNAME,
  });
  return { targets: page.items.filter(inNetwork), ...(networkId === undefined ? {} : { networkId }) };
}

export interface TunnelStreamRecord {
  caller: PersonCaller;
  target: TargetRecord;
  port: number;
  agentId: string;
  streamId: string;
  /** The address a connector dialled (an agentless target), and the route that chose it. */
  dialed?: { address: string; routeId: string };
  /**
   * The servers the stream went through, by their peer URLs: the one the person reached, then the one
   * it was forwarded to (several servers; absent when this server has no presence).
   */
  servers?: string[];
}

export async function recordTunnelStreamOpened(
  services: TunnelStreamAuditDeps,
  stream: TunnelStreamRecord,
): Promise<void> {
  await services.store.auditEvents.append(stream.caller.accountId, {
    actor: stream.caller.actor,
    action: 'tunnel.stream.open',
    resourceType: 'target',
    resourceId: stream.target.id,
    after: streamFacts(stream),
  });
}

export async function recordTunnelStreamClosed(
  services: TunnelStreamAuditDeps,
  stream: TunnelStreamRecord,
  outcome: { bytesUp: number; bytesDown: number; durationMs: number; reason: string },
): Promise<void> {
  await services.store.auditEvents.append(stream.caller.accountId, {
    actor: stream.caller.actor,
    action: 'tunnel.stream.close',
    resourceType: 'target',
    resourceId: stream.target.id,
    after: {
      ...streamFacts(stream),
      bytes_up: outcome.bytesUp,
      bytes_down: outcome.bytesDown,
      duration_ms: outcome.durationMs,
      reason: outcome.reason,
    },
  });
}

function streamFacts(stream: TunnelStreamRecord): Record<string, string | number | string[]> {
  const { caller } = stream;
  return {
    person: caller.person.email,
    session: caller.sessionId,
    stream: stream.streamId,
    hostname: stream.target.hostname,
    port: stream.port,
    agent: stream.agentId,
    ...(stream.dialed === undefined ? {} : { dialed: stream.dialed.address, route: stream.dialed.routeId }),
    ...(stream.servers === undefined ? {} : { servers: stream.servers }),
    ...(caller.person.ip === undefined ? {} : { client_ip: caller.person.ip }),
  };
}

/**
 * Whether the sign-in behind an open stream still stands (not signed out, revoked, the account disabled,
 * nor past its end: a sign-in that can no longer be refreshed opens nothing new, and what it opened ends
 * with it); the proxy closes the streams of those that do not.
 */
export async function signInStillValid(
  services: { store: StoreOf<'signInSessions'>; clock: () => Date },
  sessionId: string,
): Promise<boolean> {
  const found = await services.store.signInSessions.getWithAccountState(sessionId);
  return (
    found !== undefined &&
    (found.account === 'none' || found.account === 'enabled') &&
    found.session.revokedAt === undefined &&
    found.session.refreshExpiresAt.getTime() > services.clock().getTime()
  );
}

/**
 * Whether the credential that opened an agent's link still stands: the API token not revoked nor
 * expired, and still the credential of that agent (not removed, not replaced by a re-enrolment). The
 * proxy asks before each stream and periodically, and closes the links of those that do not.
 */
export async function agentLinkStillValid(
  services: { store: Pick<Repositories, 'apiTokens' | 'agents'>; clock: () => Date },
  link: { agentId: string; accountId: string; tokenId: string },
): Promise<boolean> {
  const [token, agent] = await Promise.all([
    services.store.apiTokens.get(link.accountId, link.tokenId),
    services.store.agents.findByApiTokenId(link.tokenId),
  ]);
  return (
    token !== undefined &&
    token.revokedAt === undefined &&
    (token.expiresAt === undefined || token.expiresAt.getTime() > services.clock().getTime()) &&
    agent !== undefined &&
    agent.id === link.agentId &&
    agent.accountId === link.accountId &&
    agent.apiTokenId === link.tokenId
  );
}
