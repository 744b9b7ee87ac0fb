/**
 * Heartbeats: what the agent says about its host (version, distro, sshd version, clock offset, the state
 * of sshd's configuration, how it records sessions, its SSH front and the sessions open there), stored
 * per agent with the time it was seen; drift repairs it reports, and a break-glass it reports for the
 * first time, become audit events. A heartbeat that reports a front is answered with the front's host
 * certificate (front-host-certificate.ts); a newly signed one is an audit event too.
 */
import {
  LatchkeyError,
  forceCommandProblem,
  parseSshPublicKey,
  type AgentHeartbeatBody,
} from '@latchkey/shared';
import type {
  AgentFrontReport,
  AgentHeartbeat,
  AgentRecord,
  AgentRecordingReport,
  AgentSessionRecord,
  JsonObject,
} from '../../domain/records.js';
import { recordChange } from '../audit-trail.js';
import type { Caller } from '../caller.js';
import type { Repositories, StoreOf } from '../ports/store.js';
import { agentActor, agentOfCaller } from './agent-caller.js';
import { frontHostCertificate, type FrontHostCertificateDeps } from './front-host-certificate.js';

/**
 * What a heartbeat needs: the agents (and the audit trail for what it reports), and for a front, what
 * signing its host key needs.
 */
export type AgentHeartbeatDeps = FrontHostCertificateDeps & { store: StoreOf<'agents' | 'auditEvents'> };

export interface HeartbeatOutcome {
  agent: AgentRecord;
  /** The host certificate the front presents from now on, when it reported a front and has a target. */
  frontHostCertificate?: string;
}

export async function recordAgentHeartbeat(
  services: AgentHeartbeatDeps,
  caller: Caller,
  body: AgentHeartbeatBody,
): Promise<HeartbeatOutcome> {
  const agent = await agentOfCaller(services, caller);
  const front = body.front === undefined ? undefined : frontReport(body.front);
  const hostCertificate =
    front === undefined
      ? undefined
      : await frontHostCertificate(services, agent, {
          hostKey: front.hostKey,
          reported: body.front?.host_certificate,
        });
  const heartbeat: AgentHeartbeat = {
    version: body.version,
    distro: body.distro,
    ...(body.sshd_version === undefined ? {} : { sshdVersion: body.sshd_version }),
    ...(body.clock_offset_ms === undefined ? {} : { clockOffsetMs: body.clock_offset_ms }),
    sshdConfig: body.sshd_config as JsonObject,
    ...(body.recording === undefined ? {} : { recording: recordingReport(body.recording) }),
    ...(front === undefined
      ? {}
      : {
          front: {
            ...front,
            ...(hostCertificate === undefined ? {} : { hostCertificate: hostCertificate.certificate }),
          },
        }),
    ...(body.sessions === undefined ? {} : { sessions: body.sessions.map(sessionRecord) }),
    ...(body.uid_min === undefined ? {} : { uidMin: body.uid_min }),
    ...(body.system_users === undefined
      ? {}
      : { systemUsers: [...new Set(body.system_users.map((name) => name.toLowerCase()))] }),
    ...(body.connector_routes === undefined ? {} : { connectorRoutes: body.connector_routes }),
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
    const issued = hostCertificate?.issued;
    if (issued !== undefined) {
      await recordChange(tx, agentActor(agent), {
        action: 'agent.host_certificate_issue',
        resourceType: 'target',
        resourceId: agent.targetId!,
        after: {
          agent_id: agent.id,
          reason: issued.reason,
          serial: issued.serial,
          key_id: issued.keyId,
          principals: issued.principals,
          host_key_fingerprint: parseSshPublicKey(front!.hostKey).fingerprint(),
          valid_before: issued.validBefore,
        },
      });
    }
    return {
      agent: stored,
      ...(hostCertificate === undefined ? {} : { frontHostCertificate: hostCertificate.certificate }),
    };
  });
}

function recordingReport(recording: NonNullable<AgentHeartbeatBody['recording']>): AgentRecordingReport {
  // Shown to admins, never put into certificates any more: still one line without control characters.
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

/**
 * The front's host key goes to clients as the key to trust for the target: one OpenSSH public key line
 * (`ssh-ed25519 AAAA…`, an optional comment), stored normalised without the comment.
 */
function frontReport(front: NonNullable<AgentHeartbeatBody['front']>): AgentFrontReport {
  const line = front.host_key.trim();
  let problem: string | undefined;
  let hostKey: string | undefined;
  if (/[\r\n]/.test(line)) problem = 'must be one line';
  else if (!/^[a-z0-9][a-z0-9.@-]* /.test(line)) problem = 'must start with the key type (ssh-ed25519 AAAA…)';
  else {
    try {
      hostKey = parseSshPublicKey(line).toAuthorizedKey();
    } catch (error) {
      problem = `is not an OpenSSH public key: ${(error as Error).message}`;
    }
  }
  if (hostKey === undefined) {
    throw new LatchkeyError('invalid_argument', `/front/host_key ${problem ?? 'is not a public key'}`, {
      pointer: '/front/host_key',
    });
  }
  return { port: front.port, hostKey };
}

function sessionRecord(session: NonNullable<AgentHeartbeatBody['sessions']>[number]): AgentSessionRecord {
  return {
    sessionId: session.session_id,
    person: session.person.toLowerCase(),
    unixUser: session.unix_user,
    program: session.program,
    ...(session.command === undefined ? {} : { command: session.command }),
    startedAt: session.started_at,
    ...(session.client_address === undefined ? {} : { clientAddress: session.client_address }),
  };
}

export async function listAgents(
  services: { store: Pick<Repositories, 'agents'> },
  caller: Caller,
): Promise<AgentRecord[]> {
  return services.store.agents.list(caller.accountId);
}
