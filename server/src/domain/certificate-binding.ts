/**
 * What a certificate for one target carries and where the client connects (DESIGN.md flows 5 and 6),
 * decided from what is stored; no I/O.
 *
 * - A target with an agent gets certificates bound to it: critical option `TARGET_BINDING_OPTION` = the
 *   target's id, which OpenSSH refuses and only that target's front accepts, and never a force-command
 *   (the front records, when the account's session-log key says so: the agent reads that itself).
 * - It is *fronted* when its most recently seen agent reported an SSH front in its last heartbeat:
 *   clients connect to the front's port and trust its host key. An agent that has reported no front (one
 *   from before the front, which recorded through a force-command, or one not heard from yet) still gets
 *   bound certificates, on the port policy covers: its sshd refuses them, so nobody gets in unrecorded
 *   there, and the host is reachable again once its agent is upgraded and reports its front.
 * - A target without an agent (made through the API, Cloudflare's manual model) gets what it always got:
 *   the server's `--recorder-command` as force-command when the account records sessions (whatever
 *   records on such a host; without it the login is refused rather than let in unrecorded), else a plain
 *   certificate; the port is the one policy covers.
 */
import { TARGET_BINDING_OPTION } from '@latchkey/shared';
import type { AgentFrontReport, AgentRecord } from './records.js';

export type TargetAgent = Pick<AgentRecord, 'heartbeat' | 'lastSeenAt'>;

export interface CertificateBindingInput {
  /** The account keeps a session-log key. */
  recordsSessions: boolean;
  targetId: string;
  /** The agents registered as the target (usually one, none for a target made through the API). */
  targetAgents: readonly TargetAgent[];
  /** The server's --recorder-command: the force-command of a recorded target without an agent. */
  defaultRecorderCommand: string;
}

export interface CertificateBinding {
  criticalOptions: Record<string, string>;
  /** True when the certificate is bound to the target (it carries TARGET_BINDING_OPTION). */
  boundToTarget: boolean;
  /** The front clients connect to, for a fronted target. */
  front?: AgentFrontReport;
}

/** The front of the target's most recently seen agent, if it reported one (undefined: not fronted). */
export function targetFront(targetAgents: readonly TargetAgent[]): AgentFrontReport | undefined {
  return latestHeartbeat(targetAgents)?.front;
}

/** The last heartbeat of the target's most recently seen agent. */
export function latestHeartbeat(targetAgents: readonly TargetAgent[]): TargetAgent['heartbeat'] {
  let latest: TargetAgent | undefined;
  for (const agent of targetAgents) {
    if (agent.heartbeat === undefined) continue;
    const seenAt = agent.lastSeenAt?.getTime() ?? 0;
    if (latest === undefined || seenAt > (latest.lastSeenAt?.getTime() ?? 0)) latest = agent;
  }
  return latest?.heartbeat;
}

/** What the target's agent reported about its UNIX accounts (email aliases, system-accounts.ts). */
export function targetAccounts(
  targetAgents: readonly TargetAgent[],
): { uidMin?: number; systemUsers?: readonly string[] } | undefined {
  const heartbeat = latestHeartbeat(targetAgents);
  if (heartbeat === undefined) return undefined;
  return {
    ...(heartbeat.uidMin === undefined ? {} : { uidMin: heartbeat.uidMin }),
    ...(heartbeat.systemUsers === undefined ? {} : { systemUsers: heartbeat.systemUsers }),
  };
}

export function certificateBinding(input: CertificateBindingInput): CertificateBinding {
  const binding = targetBindingOption(input);
  if (binding !== undefined) {
    const front = targetFront(input.targetAgents);
    return {
      criticalOptions: binding,
      boundToTarget: true,
      ...(front === undefined
        ? {}
        : {
            front: {
              port: front.port,
              hostKey: front.hostKey,
              ...(front.hostCertificate === undefined ? {} : { hostCertificate: front.hostCertificate }),
            },
          }),
    };
  }
  return { criticalOptions: recorderForceCommand(input) ?? {}, boundToTarget: false };
}

/** The binding critical option of a target with an agent; undefined for a target without one. */
export function targetBindingOption(
  input: Pick<CertificateBindingInput, 'targetId' | 'targetAgents'>,
): Record<string, string> | undefined {
  if (input.targetAgents.length === 0) return undefined;
  return { [TARGET_BINDING_OPTION]: input.targetId.toLowerCase() };
}

/**
 * The force-command of a recorded target without an agent (the server's --recorder-command); undefined
 * for a target with an agent (its front records) or an account that does not record.
 */
export function recorderForceCommand(
  input: Pick<CertificateBindingInput, 'recordsSessions' | 'targetAgents' | 'defaultRecorderCommand'>,
): Record<string, string> | undefined {
  if (input.targetAgents.length > 0 || !input.recordsSessions) return undefined;
  return { 'force-command': input.defaultRecorderCommand };
}
