/**
 * Enrolment: a host trades a join token for its own credential. The token's use is taken with a
 * compare-and-swap (see JoinTokenRepository.consumeUse), so N uses enrol at most N hosts however many
 * try at once. A join token always makes a new agent: a machine id is no secret (world-readable
 * /etc/machine-id, shown to every reader of the agent list), so it never selects an existing agent
 * (issue 13: "takeover by machine id"). Two agents with one machine id (a cloned VM, or a second
 * enrolment) are both kept, and the audit event says so.
 *
 * The one exception is an admin's explicit "replace this agent" (`…/agents/{agent_id}/replace`): its
 * join token names the agent, and enrolling with it gives that agent a new credential (the old one is
 * revoked at once) and keeps its target (audit event `agent.replaced`).
 */
import { LatchkeyError, hostnameProblem } from '@latchkey/shared';
import type { AgentCredential, AgentEnrollBody } from '@latchkey/shared';
import type { AgentRecord, JoinTokenRecord } from '../../domain/records.js';
import type { Repositories, StoreOf } from '../ports/store.js';
import { issueAgentCredential, type AgentCredentialDeps } from './agent-credential.js';
import { hashJoinTokenSecret } from './join-tokens.js';
import { credentialAnswer, swapAgentCredential } from './renew-agent-credential.js';

/**
 * What enrolment needs: the join tokens (one use taken), the agents, the API tokens (the credential; a
 * replaced agent's old one revoked), the audit trail, and what issuing a credential needs.
 */
export type EnrollAgentDeps = AgentCredentialDeps & {
  store: StoreOf<'joinTokens' | 'agents' | 'apiTokens' | 'auditEvents'>;
};

export async function enrollAgent(
  services: EnrollAgentDeps,
  body: AgentEnrollBody,
): Promise<AgentCredential> {
  const now = services.clock();
  const joinToken = await services.store.joinTokens.findByHash(hashJoinTokenSecret(body.join_token.trim()));
  const askForAnother = 'ask an admin for a new one (latchkey tokens join create)';
  if (joinToken === undefined) {
    throw new LatchkeyError('unauthenticated', `this join token is not valid; ${askForAnother}`, {
      pointer: '/join_token',
    });
  }
  const refuse = (why: string) =>
    new LatchkeyError('unauthenticated', `this join token ${why}; ${askForAnother}`, {
      pointer: '/join_token',
    });
  if (joinToken.revokedAt !== undefined) throw refuse('has been revoked');
  if (joinToken.expiresAt.getTime() <= now.getTime())
    throw refuse(`expired at ${joinToken.expiresAt.toISOString()}`);
  if (joinToken.uses >= joinToken.maxUses)
    throw refuse(`has been used up (${joinToken.maxUses} of ${joinToken.maxUses} uses)`);

  const hostname = body.hostname.trim().toLowerCase();
  const problem = hostnameProblem(hostname);
  if (problem !== undefined) {
    throw new LatchkeyError('invalid_argument', `/hostname ${problem}`, { pointer: '/hostname' });
  }
  const machineId = body.agent.machine_id?.toLowerCase();
  return services.store.transaction(async (tx) => {
    // The check above answers clearly; this is the one that counts (another enrolment may have won).
    if (!(await tx.joinTokens.consumeUse(joinToken.id, now))) throw refuse('has been used up');
    if (joinToken.replacesAgentId !== undefined) {
      return replaceAgent(services, tx, joinToken, { hostname, machineId, body }, refuse);
    }
    const { record: token, secret } = await issueAgentCredential(services, tx, joinToken.accountId, hostname);
    const sameMachine =
      machineId === undefined ? undefined : await tx.agents.findByMachineId(joinToken.accountId, machineId);
    // The stored machine id stays unique per account (it is how an admin tells hosts apart): a second
    // agent on one machine keeps it only in its audit event.
    const agent: AgentRecord = await tx.agents.create(joinToken.accountId, {
      hostname,
      ...(machineId === undefined || sameMachine !== undefined ? {} : { machineId }),
      apiTokenId: token.id,
      joinTokenId: joinToken.id,
    });
    await tx.auditEvents.append(joinToken.accountId, {
      actor: `join_token:${joinToken.id}`,
      action: 'agent.enroll',
      resourceType: 'agent',
      resourceId: agent.id,
      after: {
        hostname,
        version: body.agent.version,
        ...(body.agent.distro === undefined ? {} : { distro: body.agent.distro }),
        ...(machineId === undefined ? {} : { machine_id: machineId }),
        join_token_id: joinToken.id,
        ...(sameMachine === undefined ? {} : { same_machine_id_as_agent: sameMachine.id }),
      },
    });
    return {
      agent_id: agent.id,
      account_id: joinToken.accountId,
      api_token: secret,
      expires_at: token.expiresAt!.toISOString(),
      ...(sameMachine === undefined
        ? {}
        : {
            warnings: [
              `agent ${sameMachine.id} (${sameMachine.hostname}) has the same machine id: this host is ` +
                'probably a clone of it. It is enrolled as a new agent all the same; give clones their own ' +
                'machine id (rm /etc/machine-id; systemd-machine-id-setup) so admins can tell them apart',
            ],
          }),
    };
  });
}

/** Enrolment with a join token made to replace one agent: that agent, a new credential, its target kept. */
async function replaceAgent(
  services: AgentCredentialDeps,
  tx: Pick<Repositories, 'agents' | 'apiTokens' | 'auditEvents'>,
  joinToken: JoinTokenRecord,
  host: { hostname: string; machineId: string | undefined; body: AgentEnrollBody },
  refuse: (why: string) => LatchkeyError,
): Promise<AgentCredential> {
  const agent = await tx.agents.get(joinToken.accountId, joinToken.replacesAgentId!);
  if (agent === undefined) throw refuse('was made to replace an agent that has since been removed');
  const machineId = await machineIdFor(tx, agent, host.machineId);
  const { record, secret, renewed } = await swapAgentCredential(services, tx, agent, {
    hostname: host.hostname,
    joinTokenId: joinToken.id,
    ...(machineId === undefined ? {} : { machineId }),
  });
  await tx.auditEvents.append(joinToken.accountId, {
    actor: `join_token:${joinToken.id}`,
    action: 'agent.replaced',
    resourceType: 'agent',
    resourceId: agent.id,
    before: {
      hostname: agent.hostname,
      ...(agent.machineId === undefined ? {} : { machine_id: agent.machineId }),
    },
    after: {
      hostname: renewed.hostname,
      version: host.body.agent.version,
      ...(renewed.machineId === undefined ? {} : { machine_id: renewed.machineId }),
      join_token_id: joinToken.id,
      ...(renewed.targetId === undefined ? {} : { target_id: renewed.targetId }),
      revoked_token_id: agent.apiTokenId,
    },
  });
  return credentialAnswer(renewed, secret, record.expiresAt!);
}

/**
 * The machine id to store for an agent that re-enrols: the host's, unless another agent of the account
 * holds it (the stored machine id stays unique; the audit event keeps the host's); undefined: unchanged.
 */
export async function machineIdFor(
  tx: Pick<Repositories, 'agents'>,
  agent: AgentRecord,
  machineId: string | undefined,
): Promise<string | undefined> {
  if (machineId === undefined || machineId === agent.machineId) return undefined;
  const holder = await tx.agents.findByMachineId(agent.accountId, machineId);
  return holder === undefined ? machineId : undefined;
}
