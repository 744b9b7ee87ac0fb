/** The agent behind an agent credential (a caller holding "Latchkey: Agent"). */
import { LatchkeyError } from '@latchkey/shared';
import type { AgentRecord } from '../../domain/records.js';
import type { Caller } from '../caller.js';
import type { Repositories } from '../ports/store.js';

export async function agentOfCaller(
  services: { store: Pick<Repositories, 'agents'> },
  caller: Caller,
): Promise<AgentRecord> {
  const agent = await services.store.agents.findByApiTokenId(caller.tokenId);
  if (agent === undefined || agent.accountId !== caller.accountId) {
    // Not 403: the token has the permission; it is just not (or no longer) an enrolled agent's.
    throw new LatchkeyError(
      'not_found',
      'no enrolled agent holds this API token; enrol the host with latchkey-agent enroll',
    );
  }
  return agent;
}

/** Audit events of an agent name it, not its (rotating) token. */
export function agentActor(agent: AgentRecord): Caller {
  return {
    accountId: agent.accountId,
    tokenId: agent.apiTokenId,
    permissions: [],
    actor: `agent:${agent.id}`,
  };
}
