/** The agent swaps its valid credential for a fresh one; the old one is revoked in the same transaction. */
import type { AgentCredential } from '@latchkey/shared';
import { recordChange } from '../audit-trail.js';
import type { Caller } from '../caller.js';
import type { Services } from '../services.js';
import { issueAgentCredential } from './agent-credential.js';
import { agentActor, agentOfCaller } from './agent-caller.js';

export async function renewAgentCredential(services: Services, caller: Caller): Promise<AgentCredential> {
  const agent = await agentOfCaller(services, caller);
  return services.store.transaction(async (tx) => {
    const { record, secret } = await issueAgentCredential(services, tx, agent.accountId, agent.hostname);
    await tx.agents.replaceCredential(agent.accountId, agent.id, { apiTokenId: record.id });
    await tx.apiTokens.revoke(agent.accountId, agent.apiTokenId);
    await recordChange(tx, agentActor(agent), {
      action: 'agent.credential_renew',
      resourceType: 'agent',
      resourceId: agent.id,
      after: { expires_at: record.expiresAt!.toISOString() },
    });
    return {
      agent_id: agent.id,
      account_id: agent.accountId,
      api_token: secret,
      expires_at: record.expiresAt!.toISOString(),
    };
  });
}
