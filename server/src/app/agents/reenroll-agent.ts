/**
 * Re-enrolment by proof (issue 13): a host already enrolled proves it with its current credential and
 * gets a fresh one for the same agent (the old one is revoked in the same transaction, by a
 * compare-and-swap), with what it says about itself now (hostname, machine id). Its target is kept.
 * Nothing else re-enrols an existing agent except an admin's replace token (enroll-agent.ts).
 */
import { LatchkeyError, hostnameProblem } from '@latchkey/shared';
import type { AgentCredential, AgentReenrollBody } from '@latchkey/shared';
import type { Caller } from '../caller.js';
import type { StoreOf } from '../ports/store.js';
import type { AgentCredentialDeps } from './agent-credential.js';
import { agentActor, agentOfCaller } from './agent-caller.js';
import { machineIdFor } from './enroll-agent.js';
import { credentialAnswer, swapAgentCredential } from './renew-agent-credential.js';

/** What re-enrolment needs: the agents, the API tokens (the credential swap), the audit trail. */
export type ReenrollAgentDeps = AgentCredentialDeps & {
  store: StoreOf<'agents' | 'apiTokens' | 'auditEvents'>;
};

export async function reenrollAgent(
  services: ReenrollAgentDeps,
  caller: Caller,
  body: AgentReenrollBody,
): Promise<AgentCredential> {
  const agent = await agentOfCaller(services, caller);
  const hostname = body.hostname.trim().toLowerCase();
  const problem = hostnameProblem(hostname);
  if (problem !== undefined) {
    throw new LatchkeyError('invalid_argument', `/hostname ${problem}`, { pointer: '/hostname' });
  }
  const hostMachineId = body.agent.machine_id?.toLowerCase();
  return services.store.transaction(async (tx) => {
    const machineId = await machineIdFor(tx, agent, hostMachineId);
    const { record, secret, renewed } = await swapAgentCredential(services, tx, agent, {
      hostname,
      ...(machineId === undefined ? {} : { machineId }),
    });
    await tx.auditEvents.append(agent.accountId, {
      actor: agentActor(agent).actor,
      action: 'agent.reenroll',
      resourceType: 'agent',
      resourceId: agent.id,
      before: {
        hostname: agent.hostname,
        ...(agent.machineId === undefined ? {} : { machine_id: agent.machineId }),
      },
      after: {
        hostname: renewed.hostname,
        version: body.agent.version,
        ...(body.agent.distro === undefined ? {} : { distro: body.agent.distro }),
        ...(hostMachineId === undefined ? {} : { machine_id: hostMachineId }),
        revoked_token_id: agent.apiTokenId,
        expires_at: record.expiresAt!.toISOString(),
      },
    });
    return credentialAnswer(renewed, secret, record.expiresAt!);
  });
}
