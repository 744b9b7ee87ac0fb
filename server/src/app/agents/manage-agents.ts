/**
 * What admins do to agents (issue 13, "revocation that works at once"):
 * - remove one: its credential is revoked in the same transaction (its next request gets 401 on every
 *   server process), the agent record is deleted, and its target with it unless the admin keeps the
 *   target (agentless, like a target made through the API);
 * - replace one: a one-use join token bound to that agent, for a reinstalled or new host that takes over
 *   the agent and its target (enroll-agent.ts);
 * - and when a target is deleted, its agents are removed (their credentials revoked) in the same
 *   transaction, so no credential outlives the target it was for.
 */
import { DEFAULT_JOIN_TOKEN_TTL_SECONDS } from '@latchkey/shared';
import type { AgentReplaceBody } from '@latchkey/shared';
import { presentTarget } from '../../domain/api-representation.js';
import type { AgentRecord, JoinTokenRecord, TargetRecord } from '../../domain/records.js';
import { recordChange } from '../audit-trail.js';
import type { Caller } from '../caller.js';
import { found } from '../not-found.js';
import type { Repositories, StoreOf } from '../ports/store.js';
import type { Services } from '../services.js';
import { formatJoinTokenSecret, hashJoinTokenSecret } from './join-tokens.js';

export interface RemovedAgent {
  agent: AgentRecord;
  /** The agent's target, when it was deleted with it. */
  deletedTarget?: TargetRecord;
}

/**
 * What removing an agent needs: the agents, their credentials (revoked), their targets (deleted with
 * them unless kept), and the audit trail.
 */
export interface RemoveAgentDeps {
  store: StoreOf<'agents' | 'apiTokens' | 'targets' | 'auditEvents'>;
}

export async function removeAgent(
  services: RemoveAgentDeps,
  caller: Caller,
  agentId: string,
  options: { keepTarget: boolean },
): Promise<RemovedAgent> {
  return services.store.transaction(async (tx) => {
    const agent = found(await tx.agents.get(caller.accountId, agentId), 'agent', agentId);
    await revokeAndDelete(tx, caller, agent, options.keepTarget ? 'removed, target kept' : 'removed');
    let deletedTarget: TargetRecord | undefined;
    if (!options.keepTarget && agent.targetId !== undefined) {
      deletedTarget = await tx.targets.delete(caller.accountId, agent.targetId);
      if (deletedTarget !== undefined) {
        await recordChange(tx, caller, {
          action: 'target.delete',
          resourceType: 'target',
          resourceId: deletedTarget.id,
          before: presentTarget(deletedTarget),
        });
        // Other agents registered as the same target (older installations) go with it.
        await removeAgentsOfTargets(tx, caller, [deletedTarget.id]);
      }
    }
    return { agent, ...(deletedTarget === undefined ? {} : { deletedTarget }) };
  });
}

/** Inside a target deletion's transaction: its agents are removed and their credentials revoked. */
export async function removeAgentsOfTargets(
  tx: Pick<Repositories, 'agents' | 'apiTokens' | 'auditEvents'>,
  caller: Caller,
  targetIds: readonly string[],
): Promise<AgentRecord[]> {
  const agents = await tx.agents.listForTargets(caller.accountId, targetIds);
  for (const agent of agents) await revokeAndDelete(tx, caller, agent, 'its target was deleted');
  return agents;
}

async function revokeAndDelete(
  tx: Pick<Repositories, 'agents' | 'apiTokens' | 'auditEvents'>,
  caller: Caller,
  agent: AgentRecord,
  reason: string,
): Promise<void> {
  await tx.apiTokens.revoke(agent.accountId, agent.apiTokenId);
  await tx.agents.delete(agent.accountId, agent.id);
  await recordChange(tx, caller, {
    action: 'agent.delete',
    resourceType: 'agent',
    resourceId: agent.id,
    before: {
      hostname: agent.hostname,
      ...(agent.machineId === undefined ? {} : { machine_id: agent.machineId }),
      ...(agent.targetId === undefined ? {} : { target_id: agent.targetId }),
    },
    after: { reason, revoked_token_id: agent.apiTokenId },
  });
}

/** What a replace token needs: the agent, the join tokens, the audit trail, randomness and the time. */
export type ReplaceTokenDeps = Pick<Services, 'clock' | 'randomBytes'> & {
  store: StoreOf<'agents' | 'joinTokens' | 'auditEvents'>;
};

/**
 * A one-use join token bound to the agent: enrolling with it replaces that agent (new credential, the
 * old one revoked at that moment; the target kept). The secret is shown once.
 */
export async function createReplaceToken(
  services: ReplaceTokenDeps,
  caller: Caller,
  agentId: string,
  body: AgentReplaceBody,
): Promise<{ record: JoinTokenRecord; secret: string }> {
  const secret = formatJoinTokenSecret(services.randomBytes(32));
  const ttlSeconds = body.expires_in_seconds ?? DEFAULT_JOIN_TOKEN_TTL_SECONDS;
  return services.store.transaction(async (tx) => {
    const agent = found(await tx.agents.get(caller.accountId, agentId), 'agent', agentId);
    const record = await tx.joinTokens.create(caller.accountId, {
      name: body.name ?? `replace agent ${agent.hostname}`,
      tokenHash: hashJoinTokenSecret(secret),
      maxUses: 1,
      expiresAt: new Date(services.clock().getTime() + ttlSeconds * 1000),
      replacesAgentId: agent.id,
    });
    await recordChange(tx, caller, {
      action: 'agent.replace',
      resourceType: 'agent',
      resourceId: agent.id,
      after: {
        hostname: agent.hostname,
        join_token_id: record.id,
        expires_at: record.expiresAt.toISOString(),
      },
    });
    return { record, secret };
  });
}
