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
import { LatchkeyError } from '@latchkey/shared';
import { reachableTargets } from '../../domain/access/evaluate-access.js';
import { targetAccounts, targetFront } from '../../domain/certificate-binding.js';
import type { AgentRecord, TargetRecord } from '../../domain/records.js';
import type { Services } from '../services.js';
import { currentAccessConfig } from '../sign-in/access-config.js';
import type { PersonCaller } from '../sign-in/person-caller.js';

export interface TunnelStreamRequest {
  /** The target's id or its hostname (unique in the account). */
  target: string;
  /** The port asked for; default the front's. Only a port policy covers, or the front's, is accepted. */
  port?: number;
}

export interface TunnelStreamGrant {
  target: TargetRecord;
  /** The port the person asked for (or the front's). */
  port: number;
  /** The agents of the target (the registry picks the one with a tunnel). */
  agents: AgentRecord[];
  policyIds: string[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Resolves the target and checks policy; throws (after an audit event for policy refusals) when refused. */
export async function authorizeTunnelStream(
  services: Services,
  caller: PersonCaller,
  request: TunnelStreamRequest,
): Promise<TunnelStreamGrant> {
  const { store } = services;
  const target = await resolveTarget(services, caller.accountId, request.target);
  const refuse = async (reason: string, message: string): Promise<never> => {
    await store.auditEvents.append(caller.accountId, {
      actor: caller.actor,
      action: 'tunnel.stream.deny',
      resourceType: 'target',
      resourceId: target?.id ?? request.target,
      after: {
        person: caller.person.email,
        reason,
        session: caller.sessionId,
        ...(request.port === undefined ? {} : { port: request.port }),
        ...(caller.person.ip === undefined ? {} : { client_ip: caller.person.ip }),
      },
    });
    throw new LatchkeyError('access_denied', message);
  };
  // A missing target gets the same answer as one no app covers: nothing about the account leaks.
  if (target === undefined) {
    return refuse('no_app', `no infrastructure app covers target ${request.target}`);
  }
  const [{ catalog }, agents] = await Promise.all([
    currentAccessConfig(services, caller.accountId),
    store.agents.listForTarget(caller.accountId, target.id),
  ]);
  const accounts = targetAccounts(agents);
  const grants = reachableTargets(caller.person, catalog, [target], () => accounts);
  const frontPort = targetFront(agents)?.port;
  const port = request.port ?? frontPort ?? 22;
  // The front is the one way in to a fronted target: asking for its port is asking for the target.
  const allowed =
    request.port === undefined || request.port === frontPort
      ? grants
      : grants.filter((grant) => grant.port === request.port);
  if (grants.length === 0) {
    return refuse('no_policy', `no policy lets you reach ${target.hostname} (${target.id})`);
  }
  if (allowed.length === 0) {
    return refuse('port_not_allowed', `no policy lets you reach ${target.hostname} on port ${port}`);
  }
  return {
    target,
    port,
    agents,
    policyIds: [...new Set(allowed.flatMap((grant) => grant.policyIds))],
  };
}

async function resolveTarget(
  services: Services,
  accountId: string,
  reference: string,
): Promise<TargetRecord | undefined> {
  const wanted = reference.trim();
  if (UUID.test(wanted)) return services.store.targets.get(accountId, wanted.toLowerCase());
  const page = await services.store.targets.list(accountId, { hostname: wanted, perPage: 2 });
  if (page.items.length > 1) {
    throw new LatchkeyError(
      'conflict',
      `${wanted} names several targets (in several virtual networks): name one by its id`,
    );
  }
  return page.items[0];
}

export interface TunnelStreamRecord {
  caller: PersonCaller;
  target: TargetRecord;
  port: number;
  agentId: string;
  streamId: string;
}

export async function recordTunnelStreamOpened(
  services: Services,
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
  services: Services,
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

function streamFacts(stream: TunnelStreamRecord): Record<string, string | number> {
  const { caller } = stream;
  return {
    person: caller.person.email,
    session: caller.sessionId,
    stream: stream.streamId,
    hostname: stream.target.hostname,
    port: stream.port,
    agent: stream.agentId,
    ...(caller.person.ip === undefined ? {} : { client_ip: caller.person.ip }),
  };
}

/**
 * Whether the sign-in behind an open stream still stands (not signed out, revoked, or the account
 * disabled); the proxy closes the streams of those that do not.
 */
export async function signInStillValid(services: Services, sessionId: string): Promise<boolean> {
  const found = await services.store.signInSessions.getWithAccountState(sessionId);
  return (
    found !== undefined &&
    (found.account === 'none' || found.account === 'enabled') &&
    found.session.revokedAt === undefined
  );
}

/**
 * Whether the credential that opened an agent's link still stands: the API token not revoked nor
 * expired, and still the credential of that agent (not removed, not replaced by a re-enrolment). The
 * proxy asks before each stream and periodically, and closes the links of those that do not.
 */
export async function agentLinkStillValid(
  services: Services,
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
