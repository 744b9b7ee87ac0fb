/**
 * Enrolment: a host trades a join token for its own credential. The token's use is taken with a
 * compare-and-swap (see JoinTokenRepository.consumeUse), so N uses enrol at most N hosts however many
 * try at once. A host that enrols again (same machine id) stays the same agent, keeps its target, and
 * gets a fresh credential (the old one is revoked).
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
    const existing =
      machineId === undefined ? undefined : await tx.agents.findByMachineId(joinToken.accountId, machineId);
    let agent: AgentRecord;
    if (existing === undefined) {
      agent = await tx.agents.create(joinToken.accountId, {
        hostname,
        ...(machineId === undefined ? {} : { machineId }),
        apiTokenId: token.id,
        joinTokenId: joinToken.id,
      });
    } else {
      await tx.apiTokens.revoke(joinToken.accountId, existing.apiTokenId);
      agent = (await tx.agents.replaceCredential(joinToken.accountId, existing.id, {
        apiTokenId: token.id,
        hostname,
        joinTokenId: joinToken.id,
      }))!;
    }
    await tx.auditEvents.append(joinToken.accountId, {
      actor: `join_token:${joinToken.id}`,
      action: existing === undefined ? 'agent.enroll' : 'agent.reenroll',
      resourceType: 'agent',
      resourceId: agent.id,
      after: {
        hostname,
        version: body.agent.version,
        ...(body.agent.distro === undefined ? {} : { distro: body.agent.distro }),
        ...(machineId === undefined ? {} : { machine_id: machineId }),
        join_token_id: joinToken.id,
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
