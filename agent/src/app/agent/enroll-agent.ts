/**
 * `latchkey-agent enroll`: trade a join token for the agent's own credential and keep it (with the
 * settings given now) in the state directory, mode 0600. Enrolling again replaces the credential; the
 * server recognises the host by its machine id and keeps it the same agent.
 */
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

export async function enrollAgent(
  deps: { server: AgentServer; state: AgentStateStore; host: HostInfo; now: () => Date },
  request: EnrollRequest,
): Promise<Enrolment> {
  const hostname = normalizeHostname(request.hostname ?? (await deps.host.hostname()));
  const machineId = await deps.host.machineId();
  const credential = await deps.server.enroll({
    join_token: request.joinToken,
    hostname,
    agent: {
      version: request.version,
      distro: await deps.host.distro(),
      ...(machineId === undefined ? {} : { machine_id: machineId }),
    },
  });
  const enrolment: Enrolment = {
    server: request.serverUrl.replace(/\/+$/, ''),
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
  return enrolment;
}
