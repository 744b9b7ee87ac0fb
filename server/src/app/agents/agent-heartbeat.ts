/**
 * Heartbeats: what the agent says about its host (version, distro, sshd version, clock offset, the state
 * of sshd's configuration, how it records sessions), stored per agent with the time it was seen; drift
 * repairs it reports, and a break-glass it reports for the first time, become audit events.
 */
import { LatchkeyError, forceCommandProblem, type AgentHeartbeatBody } from '@latchkey/shared';
import type { AgentHeartbeat, AgentRecord, AgentRecordingReport, JsonObject } from '../../domain/records.js';
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
    ...(body.recording === undefined ? {} : { recording: recordingReport(body.recording) }),
  };
  const breakGlass = heartbeat.recording?.breakGlass;
  const newBreakGlass =
    breakGlass !== undefined && breakGlass.until !== agent.heartbeat?.recording?.breakGlass?.until;
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
    if (newBreakGlass) {
      await recordChange(tx, agentActor(agent), {
        action: 'agent.break_glass',
        resourceType: 'agent',
        resourceId: agent.id,
        after: { until: breakGlass.until, reason: breakGlass.reason, hostname: agent.hostname },
      });
    }
    return stored;
  });
}

function recordingReport(recording: NonNullable<AgentHeartbeatBody['recording']>): AgentRecordingReport {
  // The command goes into certificates as their force-command: held to the server's own rule for it.
  const problem = forceCommandProblem(recording.recorder_command);
  if (problem !== undefined) {
    throw new LatchkeyError('invalid_argument', `/recording/recorder_command ${problem}`, {
      pointer: '/recording/recorder_command',
    });
  }
  return {
    recorderCommand: recording.recorder_command.trim(),
    mode: recording.mode,
    ...(recording.break_glass === undefined ? {} : { breakGlass: { ...recording.break_glass } }),
  };
}

export async function listAgents(services: Services, caller: Caller): Promise<AgentRecord[]> {
  return services.store.agents.list(caller.accountId);
}
