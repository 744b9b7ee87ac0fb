/**
 * The agent swaps its valid credential for a fresh one; the old one is revoked in the same transaction.
 * A compare-and-swap on the agent's credential: a credential revoked meanwhile (the agent removed or
 * replaced, a concurrent renewal) renews nothing and is refused.
 */
import { LatchkeyError } from '@latchkey/shared';
import type { AgentCredential } from '@latchkey/shared';
import type { AgentRecord } from '../../domain/records.js';
import { recordChange } from '../audit-trail.js';
import type { Caller } from '../caller.js';
import type { Repositories, StoreOf } from '../ports/store.js';
import { issueAgentCredential, type AgentCredentialDeps } from './agent-credential.js';
import { agentActor, agentOfCaller } from './agent-caller.js';

/**
 * What renewing needs: the agents (the caller's, and the swap), the API tokens (the new credential, the
 * old one revoked), the audit trail, and what issuing a credential needs.
 */
export type RenewAgentCredentialDeps = AgentCredentialDeps & {
  store: StoreOf<'agents' | 'apiTokens' | 'auditEvents'>;
};

export async function renewAgentCredential(
  services: RenewAgentCredentialDeps,
  caller: Caller,
): Promise<AgentCredential> {
  const agent = await agentOfCaller(services, caller);
  return services.store.transaction(async (tx) => {
    const { secret, record, renewed } = await swapAgentCredential(services, tx, agent, {});
    await recordChange(tx, agentActor(agent), {
      action: 'agent.credential_renew',
      resourceType: 'agent',
      resourceId: agent.id,
      after: { expires_at: record.expiresAt!.toISOString() },
    });
    return credentialAnswer(renewed, secret, record.expiresAt!);
  });
}

/**
 * Inside `tx`: a new credential for `agent` in place of the one it holds, which is revoked. Refused
 * (`unauthenticated`) when the agent no longer holds that credential.
 */
export async function swapAgentCredential(
  services: AgentCredentialDeps,
  tx: Pick<Repositories, 'agents' | 'apiTokens'>,
  agent: AgentRecord,
  change: { hostname?: string; joinTokenId?: string; machineId?: string | null },
) {
  const hostname = change.hostname ?? agent.hostname;
  const { record, secret } = await issueAgentCredential(services, tx, agent.accountId, hostname);
  const renewed = await tx.agents.replaceCredential(agent.accountId, agent.id, {
    previousApiTokenId: agent.apiTokenId,
    apiTokenId: record.id,
    ...change,
  });
  if (renewed === undefined) {
    throw new LatchkeyError(
      'unauthenticated',
      'this agent credential has been revoked or replaced meanwhile; enrol the host again',
    );
  }
  await tx.apiTokens.revoke(agent.accountId, agent.apiTokenId);
  return { record, secret, renewed };
}

export function credentialAnswer(agent: AgentRecord, secret: string, expiresAt: Date): AgentCredential {
  return {
    agent_id: agent.id,
    account_id: agent.accountId,
    api_token: secret,
    expires_at: expiresAt.toISOString(),
    ...(agent.targetId === undefined ? {} : { target_id: agent.targetId }),
  };
}
