/**
 * Heartbeats: what the agent says about its host (version, distro, sshd version, clock offset, the state
 * of sshd's configuration), stored per agent with the time it was seen; drift repairs it reports become
 * audit events.
 */
import type { AgentHeartbeatBody } from '@latchkey/shared';
import type { AgentHeartbeat, AgentRecord, JsonObject } from '../../domain/records.js';
import { recordChange } from '../audit-trail.js';
import type { Caller } from '../caller.js';
import type { Services } from '../services.js';
import { agentActor, agentOfCaller } from './agent-caller.js';

export async function recordAgentHeartbeat(
  services: Services,
  caller: Caller,
  body: AgentHeartbeatBody,
): Promise<AgentRecord> {
  const agent = await agentOfCaller(services, caller);
  const heartbeat: AgentHeartbeat = {
    version: body.version,
    distro: body.distro,
    ...(body.sshd_version === undefined ? {} : { sshdVersion: body.sshd_version }),
    ...(body.clock_offset_ms === undefined ? {} : { clockOffsetMs: body.clock_offset_ms }),
    sshdConfig: body.sshd_config as JsonObject,
  };
  return services.store.transaction(async (tx) => {
    const stored = (await tx.agents.recordHeartbeat(agent.accountId, agent.id, heartbeat, services.clock()))!;
    for (const repair of body.drift_repairs ?? []) {
      await recordChange(tx, agentActor(agent), {
        action: 'agent.drift_repair',
        resourceType: 'agent',
        resourceId: agent.id,
        after: { path: repair.path, at: repair.at, status: repair.status, hostname: agent.hostname },
      });
    }
    return stored;
  });
}

export async function listAgents(services: Services, caller: Caller): Promise<AgentRecord[]> {
  return services.store.agents.list(caller.accountId);
}
