/**
 * `latchkey-agent enroll`: get the agent's own credential and keep it (with the settings given now) in the
 * state directory, mode 0600.
 *
 * A host that is already enrolled with this server proves it with its current credential and re-enrols
 * (`POST /v1/agents/reenroll`): the same agent and target, a fresh credential, the old one revoked. A
 * machine id is no proof (it is world-readable), so a join token never re-enrols: with one, the server
 * always makes a new agent. The join token is therefore used only when there is no enrolment for this
 * server, or when the server refuses the current credential (the agent was removed or replaced): then the
 * host becomes a new agent, and the caller is told why, since the old agent stays listed until an admin
 * removes it. A replace token (`latchkey admin agents replace`) re-enrols a rebuilt host as the agent it
 * replaces. In every case the target the answer names becomes this host's registration, and a
 * registration left by an earlier agent is forgotten, so the next registration never touches a target
 * that is not this agent's.
 */
import { isLatchkeyError } from '@latchkey/shared/errors/latchkey-error';
import type { AgentCredential } from '@latchkey/shared/api/agents';
import type { AgentServer } from '../ports/agent-server.js';
import type { AgentStateStore, Enrolment } from '../ports/agent-state.js';
import type { HostInfo } from '../ports/host-info.js';
import { normalizeHostname } from '../../domain/hostname-rules.js';

export interface EnrollRequest {
  readonly serverUrl: string;
  readonly joinToken: string;
  readonly version: string;
  readonly hostname?: string;
  readonly virtualNetwork?: string;
  readonly interfaces?: readonly string[];
}

/** How the enrolment came about, for the one line `latchkey-agent enroll` prints. */
export type EnrolmentKind =
  /** No enrolment with this server before: a new agent (or, with a replace token, the replaced one). */
  | { kind: 'enrolled' }
  /** The current credential was accepted: the same agent, a fresh credential. */
  | { kind: 'reenrolled' }
  /** An enrolment was there but the server refused its credential: a new agent; why is in `refusal`. */
  | { kind: 'enrolled_anew'; previousAgentId: string; refusal: string };

export async function enrollAgent(
  deps: { server: AgentServer; state: AgentStateStore; host: HostInfo; now: () => Date },
  request: EnrollRequest,
): Promise<{ enrolment: Enrolment; outcome: EnrolmentKind & { warnings: string[] } }> {
  const serverUrl = request.serverUrl.replace(/\/+$/, '');
  const hostname = normalizeHostname(request.hostname ?? (await deps.host.hostname()));
  const machineId = await deps.host.machineId();
  const agent = {
    version: request.version,
    distro: await deps.host.distro(),
    ...(machineId === undefined ? {} : { machine_id: machineId }),
  };

  const previous = await deps.state.readEnrolment().catch(() => undefined);
  let credential: AgentCredential | undefined;
  let outcome: EnrolmentKind = { kind: 'enrolled' };
  if (previous !== undefined && previous.server === serverUrl) {
    try {
      credential = await deps.server.reenroll(previous.apiToken, { hostname, agent });
      outcome = { kind: 'reenrolled' };
    } catch (error) {
      // Only a refusal of the credential itself falls back to the join token; an unreachable server or
      // a bad request is the caller's to see, and the enrolment on disk stays as it was.
      if (!isLatchkeyError(error, 'unauthenticated') && !isLatchkeyError(error, 'permission_denied')) {
        throw error;
      }
      outcome = { kind: 'enrolled_anew', previousAgentId: previous.agentId, refusal: error.message };
    }
  }
  credential ??= await deps.server.enroll({ join_token: request.joinToken, hostname, agent });

  const enrolment: Enrolment = {
    server: serverUrl,
    accountId: credential.account_id,
    agentId: credential.agent_id,
    apiToken: credential.api_token,
    issuedAt: deps.now().toISOString(),
    expiresAt: credential.expires_at,
    ...(request.virtualNetwork === undefined ? {} : { virtualNetwork: request.virtualNetwork }),
    ...(request.hostname === undefined ? {} : { hostname }),
    ...(request.interfaces === undefined || request.interfaces.length === 0
      ? {}
      : { interfaces: [...request.interfaces] }),
  };
  await deps.state.writeEnrolment(enrolment);
  if (credential.target_id !== undefined) {
    await deps.state.writeRegistration({ targetId: credential.target_id });
  } else if (previous?.agentId !== credential.agent_id) {
    await deps.state.forgetRegistration();
  }
  // What the server says the host should know (e.g. another agent has its machine id), for the caller to show.
  // Printed to a terminal: control characters from the server become '?'.
  const warnings = (credential.warnings ?? [])
    .slice(0, 10)
    // eslint-disable-next-line no-control-regex -- finding control characters is the point
    .map((warning) => warning.slice(0, 500).replace(/[\u0000-\u001f\u007f-\u009f]/g, '?'));
  return { enrolment, outcome: { ...outcome, warnings } };
}
