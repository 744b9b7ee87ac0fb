/**
 * What an agent needs to record sessions (GET /v1/agents/recording): the auditors' public key from the
 * account's audit_ssh_settings, '' while command logging is off (the agent then records nothing new).
 */
import type { AgentRecordingSettings } from '@latchkey/shared';
import { agentOfCaller } from '../agents/agent-caller.js';
import type { Caller } from '../caller.js';
import type { Repositories } from '../ports/store.js';

export async function agentRecordingSettings(
  services: { store: Pick<Repositories, 'agents' | 'auditSshSettings'> },
  caller: Caller,
): Promise<AgentRecordingSettings> {
  const agent = await agentOfCaller(services, caller);
  const settings = await services.store.auditSshSettings.get(agent.accountId);
  return { auditor_public_key: settings?.publicKey ?? '' };
}
