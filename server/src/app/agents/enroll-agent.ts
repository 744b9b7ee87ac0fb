/**
 * Enrolment: a host trades a join token for its own credential. The token's use is taken with a
 * compare-and-swap (see JoinTokenRepository.consumeUse), so N uses enrol at most N hosts however many
 * try at once. A join token always makes a new agent: a machine id is no secret (world-readable
 * /etc/machine-id, shown to every reader of the agent list), so it never selects an existing agent
 * (issue 13: "takeover by machine id"). Two agents with one machine id (a cloned VM, or a second
 * enrolment) are both kept, and the audit event says so.
 */
import { LatchkeyError, hostnameProblem } from '@latchkey/shared';
import type { AgentCredential, AgentEnrollBody } from '@latchkey/shared';
import type { AgentRecord } from '../../domain/records.js';
import type { Services } from '../services.js';
import { issueAgentCredential } from './agent-credential.js';
import { hashJoinTokenSecret } from './join-tokens.js';

export async function enrollAgent(services: Services, body: AgentEnrollBody): Promise<AgentCredential> {
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
    };
  });
}
