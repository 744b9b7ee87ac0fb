/**
 * An agent's credential: an API token holding only "Latchkey: Agent", which reaches the agent's own
 * routes (/v1/agents/…) and nothing of the admin API. It expires (AGENT_CREDENTIAL_TTL_MS) and the agent
 * renews it while it is valid; the renewal revokes the old one.
 */
import { formatApiTokenSecret, hashApiTokenSecret } from '../../domain/api-token-secret.js';
import { AGENT_PERMISSION } from '../../domain/permissions.js';
import type { ApiTokenRecord } from '../../domain/records.js';
import type { Repositories } from '../ports/store.js';
import type { Services } from '../services.js';

/** What issuing an agent's credential needs: randomness for its secret and the time it expires from. */
export type AgentCredentialDeps = Pick<Services, 'clock' | 'randomBytes'>;

export const AGENT_CREDENTIAL_TTL_MS = 30 * 24 * 60 * 60 * 1000;

export async function issueAgentCredential(
  services: AgentCredentialDeps,
  tx: Pick<Repositories, 'apiTokens'>,
  accountId: string,
  hostname: string,
): Promise<{ record: ApiTokenRecord; secret: string }> {
  const secret = formatApiTokenSecret(services.randomBytes(32));
  const record = await tx.apiTokens.create(accountId, {
    name: `agent ${hostname}`,
    tokenHash: hashApiTokenSecret(secret),
    permissions: [AGENT_PERMISSION],
    expiresAt: new Date(services.clock().getTime() + AGENT_CREDENTIAL_TTL_MS),
  });
  return { record, secret };
}
