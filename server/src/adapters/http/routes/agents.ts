/**
 * Agents (Latchkey additions): join tokens and the agents for admins (list, remove, replace), under
 * /client/v4/accounts/{account_id}/latchkey; enrolment (public, with a join token), re-enrolment (with the
 * current credential), credential renewal and heartbeats under /v1/agents; and the agent's scoped mirror
 * of the Cloudflare API under
 * /v1/agents/client/v4 (the same paths and shapes, so the agent has one client for Latchkey and for
 * Cloudflare), which lets an agent credential look targets up by hostname, create its target, replace
 * only its own, read the CA's public keys and list virtual networks.
 */
import Type from 'typebox';
import {
  AccountAndIdParams,
  AccountParams,
  AgentCredentialSchema,
  AgentEnrollSchema,
  AgentHeartbeatResultSchema,
  AgentHeartbeatSchema,
  AgentReenrollSchema,
  AgentReplaceSchema,
  AgentSchema,
  GatewayCaSchema,
  JoinTokenCreateSchema,
  JoinTokenSchema,
  TargetInputSchema,
  TargetSchema,
  VirtualNetworkListQuerySchema,
  VirtualNetworkSchema,
  resultInfo,
  validateTargetInput,
} from '@latchkey/shared';
import type { Agent, JoinToken } from '@latchkey/shared';
import { recordAgentHeartbeat, listAgents } from '../../../app/agents/agent-heartbeat.js';
import {
  createAgentTarget,
  findTargetsByHostname,
  getAgentTarget,
  replaceAgentTarget,
} from '../../../app/agents/agent-target.js';
import { enrollAgent } from '../../../app/agents/enroll-agent.js';
import { createReplaceToken, removeAgent } from '../../../app/agents/manage-agents.js';
import { reenrollAgent } from '../../../app/agents/reenroll-agent.js';
import { createJoinToken, listJoinTokens, revokeJoinToken } from '../../../app/agents/join-tokens.js';
import { renewAgentCredential } from '../../../app/agents/renew-agent-credential.js';
import { listGatewayCas } from '../../../app/gateway-ca.js';
import { listVirtualNetworks } from '../../../app/virtual-networks.js';
import {
  presentGatewayCa,
  presentTarget,
  presentVirtualNetwork,
} from '../../../domain/api-representation.js';
import { AGENT_PERMISSION, PERMISSIONS } from '../../../domain/permissions.js';
import type { AgentRecord, JoinTokenRecord } from '../../../domain/records.js';
import { ACCOUNT_PREFIX } from './route-context.js';
import type { RouteContext } from './route-context.js';

/** The base URL of the agent's mirror of the Cloudflare API (append to the server's URL). */
export const AGENT_API_PREFIX = '/v1/agents/client/v4';

const agentTags = ['Agents'];
const agentAccess = AGENT_PERMISSION;

export function agentRoutes({ route, services }: RouteContext): void {
  const joinTokens = `${ACCOUNT_PREFIX}/latchkey/join_tokens`;
  route({
    method: 'POST',
    url: joinTokens,
    access: PERMISSIONS.zeroTrustEdit,
    summary: 'Create a join token',
    description: 'Expires in 24 h and enrols one host unless told otherwise. The secret is shown only here.',
    tags: agentTags,
    params: AccountParams,
    body: JoinTokenCreateSchema,
    result: JoinTokenSchema,
    handle: async ({ caller, body }) => {
      const { record, secret } = await createJoinToken(services, caller, body);
      return { result: { ...presentJoinToken(record), token: secret } };
    },
  });
  route({
    method: 'GET',
    url: joinTokens,
    access: PERMISSIONS.zeroTrustEdit,
    summary: 'List join tokens (never their secrets)',
    tags: agentTags,
    params: AccountParams,
    result: Type.Array(JoinTokenSchema),
    handle: async ({ caller }) => ({
      result: (await listJoinTokens(services, caller)).map(presentJoinToken),
    }),
  });
  route({
    method: 'DELETE',
    url: `${joinTokens}/:join_token_id`,
    access: PERMISSIONS.zeroTrustEdit,
    summary: 'Revoke a join token',
    tags: agentTags,
    params: AccountAndIdParams('join_token_id'),
    result: JoinTokenSchema,
    handle: async ({ caller, params }) => ({
      result: presentJoinToken(await revokeJoinToken(services, caller, params.join_token_id.toLowerCase())),
    }),
  });

  route({
    method: 'GET',
    url: `${ACCOUNT_PREFIX}/latchkey/agents`,
    access: PERMISSIONS.zeroTrustRead,
    summary: 'List enrolled agents with their last heartbeat',
    tags: agentTags,
    params: AccountParams,
    result: Type.Array(AgentSchema),
    handle: async ({ caller }) => ({ result: (await listAgents(services, caller)).map(presentAgent) }),
  });
  route({
    method: 'DELETE',
    url: `${ACCOUNT_PREFIX}/latchkey/agents/:agent_id`,
    access: PERMISSIONS.zeroTrustEdit,
    summary: 'Remove an agent: its credential dies at once; its target too unless ?keep_target=true',
    description:
      "The agent's credential is revoked in the same transaction: its next request gets 401 on every " +
      'server process, and it can no longer renew. Its target is deleted with it, or kept without an ' +
      'agent with `keep_target=true`. Audit events `agent.delete` (and `target.delete`).',
    tags: agentTags,
    params: AccountAndIdParams('agent_id'),
    querystring: Type.Object(
      {
        keep_target: Type.Optional(
          Type.Boolean({ description: "Keep the agent's target (agentless). Default false." }),
        ),
      },
      { additionalProperties: false },
    ),
    result: AgentSchema,
    handle: async ({ caller, params, query }) => {
      const { agent } = await removeAgent(services, caller, params.agent_id.toLowerCase(), {
        keepTarget: query.keep_target === true,
      });
      return { result: presentAgent(agent) };
    },
  });
  route({
    method: 'POST',
    url: `${ACCOUNT_PREFIX}/latchkey/agents/:agent_id/replace`,
    access: PERMISSIONS.zeroTrustEdit,
    summary: 'A one-use join token that replaces this agent (keeping its target)',
    description:
      'Enrolling with it (`POST /v1/agents/enroll`) gives this agent a new credential, revokes the old one ' +
      'and keeps its target, instead of making a new agent: for a reinstalled or rebuilt host. The ' +
      'secret is shown only here. Audit events `agent.replace`, then `agent.replaced` at the enrolment.',
    tags: agentTags,
    params: AccountAndIdParams('agent_id'),
    body: AgentReplaceSchema,
    result: JoinTokenSchema,
    handle: async ({ caller, params, body }) => {
      const { record, secret } = await createReplaceToken(
        services,
        caller,
        params.agent_id.toLowerCase(),
        body,
      );
      return { result: { ...presentJoinToken(record), token: secret } };
    },
  });

  route({
    method: 'POST',
    url: '/v1/agents/enroll',
    access: 'public',
    summary: "Enrol a host with a join token; answers the agent's own credential",
    tags: agentTags,
    body: AgentEnrollSchema,
    result: AgentCredentialSchema,
    handle: async ({ body }) => ({ result: await enrollAgent(services, body) }),
  });
  route({
    method: 'POST',
    url: '/v1/agents/reenroll',
    access: agentAccess,
    summary: 'Re-enrol this host with its current credential (the proof); answers a fresh one',
    description:
      'For a host that runs `latchkey-agent enroll` again while its agent is enrolled: the same agent and ' +
      'target, a new credential, the old one revoked at once. A join token never re-enrols an existing ' +
      'agent (it always makes a new one). Audit event `agent.reenroll`.',
    tags: agentTags,
    body: AgentReenrollSchema,
    result: AgentCredentialSchema,
    handle: async ({ caller, body }) => ({ result: await reenrollAgent(services, caller, body) }),
  });
  route({
    method: 'POST',
    url: '/v1/agents/credential/renew',
    access: agentAccess,
    summary: "Renew the agent's credential (the old one is revoked)",
    description: 'A revoked credential (its agent removed or replaced) renews nothing: 401.',
    tags: agentTags,
    result: AgentCredentialSchema,
    handle: async ({ caller }) => ({ result: await renewAgentCredential(services, caller) }),
  });
  route({
    method: 'POST',
    url: '/v1/agents/heartbeat',
    access: agentAccess,
    summary:
      "The agent's heartbeat: version, distro, sshd version, clock offset, sshd config state, recording, its SSH front and the sessions open there",
    description:
      "`front.host_key` must be one OpenSSH public key line (400 with pointer /front/host_key otherwise); it is stored without its comment. A target whose agent reports a front gets certificates bound to it, and people's clients connect to the front's port. " +
      "Once the agent's target is registered, the answer's `front_host_certificate` is the front's host certificate (signed by the account's host CA, principals: target id, hostname, addresses; 4 weeks): the one `front.host_certificate` reported while it is valid with more than 2 weeks left and names the current key, hostname and addresses, else a new one (audit event `agent.host_certificate_issue`).",
    tags: agentTags,
    body: AgentHeartbeatSchema,
    result: AgentHeartbeatResultSchema,
    handle: async ({ caller, body }) => {
      const { agent, frontHostCertificate } = await recordAgentHeartbeat(services, caller, body);
      return {
        result: {
          agent_id: agent.id,
          server_time: services.clock().toISOString(),
          ...(frontHostCertificate === undefined ? {} : { front_host_certificate: frontHostCertificate }),
        },
      };
    },
  });

  // The agent's mirror of the Cloudflare API.
  const mirror = `${AGENT_API_PREFIX}/accounts/:account_id`;
  const targets = `${mirror}/infrastructure/targets`;
  route({
    method: 'GET',
    url: targets,
    access: agentAccess,
    summary: 'Targets with a hostname (for the agent)',
    tags: agentTags,
    params: AccountParams,
    querystring: Type.Object({ hostname: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })) }),
    result: Type.Array(TargetSchema),
    paged: true,
    handle: async ({ caller, query }) => {
      const page = await findTargetsByHostname(services, caller, query.hostname);
      return {
        result: page.items.map(presentTarget),
        resultInfo: resultInfo(page.page, page.perPage, page.items.length, page.totalCount),
      };
    },
  });
  route({
    method: 'POST',
    url: targets,
    access: agentAccess,
    summary: "Create the agent's target (exactly one per agent)",
    description:
      'An agent registers exactly one target: a second create is a 409 naming the one it has (update that ' +
      "with PUT). A hostname another target already has is a 409 too: an agent cannot copy another's.",
    tags: agentTags,
    params: AccountParams,
    body: TargetInputSchema,
    result: TargetSchema,
    handle: async ({ caller, body }) => ({
      result: presentTarget(await createAgentTarget(services, caller, validateTargetInput(body))),
    }),
  });
  route({
    method: 'GET',
    url: `${targets}/:target_id`,
    access: AGENT_PERMISSION,
    summary: "The agent's own target",
    tags: agentTags,
    params: AccountAndIdParams('target_id'),
    result: TargetSchema,
    handle: async ({ caller, params }) => ({
      result: presentTarget(await getAgentTarget(services, caller, params.target_id.toLowerCase())),
    }),
  });
  route({
    method: 'PUT',
    url: `${targets}/:target_id`,
    access: agentAccess,
    summary: "Replace the agent's own target",
    tags: agentTags,
    params: AccountAndIdParams('target_id'),
    body: TargetInputSchema,
    result: TargetSchema,
    handle: async ({ caller, params, body }) => ({
      result: presentTarget(
        await replaceAgentTarget(services, caller, params.target_id.toLowerCase(), validateTargetInput(body)),
      ),
    }),
  });
  route({
    method: 'GET',
    url: `${mirror}/access/gateway_ca`,
    access: agentAccess,
    summary: "The account SSH CA's public key (for the agent)",
    tags: agentTags,
    params: AccountParams,
    result: Type.Array(GatewayCaSchema),
    handle: async ({ caller }) => ({
      result: (await listGatewayCas(services, caller)).map(presentGatewayCa),
    }),
  });
  route({
    method: 'GET',
    url: `${mirror}/teamnet/virtual_networks`,
    access: agentAccess,
    summary: 'Virtual networks (for the agent to find a named one)',
    tags: agentTags,
    params: AccountParams,
    querystring: VirtualNetworkListQuerySchema,
    result: Type.Array(VirtualNetworkSchema),
    handle: async ({ caller, query }) => ({
      result: (await listVirtualNetworks(services, caller, query)).map(presentVirtualNetwork),
    }),
  });
}

function presentJoinToken(record: JoinTokenRecord): JoinToken {
  return {
    id: record.id,
    name: record.name,
    max_uses: record.maxUses,
    uses: record.uses,
    expires_at: record.expiresAt.toISOString(),
    created_at: record.createdAt.toISOString(),
    ...(record.revokedAt === undefined ? {} : { revoked_at: record.revokedAt.toISOString() }),
    ...(record.replacesAgentId === undefined ? {} : { replaces_agent_id: record.replacesAgentId }),
  };
}

function presentAgent(record: AgentRecord): Agent {
  const heartbeat = record.heartbeat;
  return {
    id: record.id,
    hostname: record.hostname,
    ...(record.machineId === undefined ? {} : { machine_id: record.machineId }),
    ...(record.targetId === undefined ? {} : { target_id: record.targetId }),
    ...(heartbeat === undefined
      ? {}
      : {
          version: heartbeat.version,
          distro: heartbeat.distro,
          ...(heartbeat.sshdVersion === undefined ? {} : { sshd_version: heartbeat.sshdVersion }),
          ...(heartbeat.clockOffsetMs === undefined ? {} : { clock_offset_ms: heartbeat.clockOffsetMs }),
          sshd_config: heartbeat.sshdConfig,
          ...(heartbeat.recording === undefined
            ? {}
            : {
                recording: {
                  recorder_command: heartbeat.recording.recorderCommand,
                  mode: heartbeat.recording.mode,
                  ...(heartbeat.recording.breakGlass === undefined
                    ? {}
                    : { break_glass: heartbeat.recording.breakGlass }),
                },
              }),
          ...(heartbeat.front === undefined
            ? {}
            : { front: { port: heartbeat.front.port, host_key: heartbeat.front.hostKey } }),
          ...(heartbeat.sessions === undefined ? {} : { session_count: heartbeat.sessions.length }),
          ...(heartbeat.uidMin === undefined ? {} : { uid_min: heartbeat.uidMin }),
          ...(heartbeat.connectorRoutes === undefined ? {} : { connector_routes: heartbeat.connectorRoutes }),
        }),
    ...(record.lastSeenAt === undefined ? {} : { last_seen_at: record.lastSeenAt.toISOString() }),
    created_at: record.createdAt.toISOString(),
  };
}
