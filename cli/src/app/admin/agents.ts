/** `latchkey admin agents`: the enrolled agents and the hostnames of their targets. */
import type { Agent } from '@latchkey/shared';
import { resolveAccountId } from '../api-token-account.js';
import { collectPages } from './collect-pages.js';
import type { AdminApi } from './ports.js';

export async function listAdminAgents(
  api: AdminApi,
  request: { account?: string },
): Promise<{ agents: Agent[]; targetHostnames: Map<string, string> }> {
  const accountId = await resolveAccountId(api, request.account);
  const agents = await api.listAgents(accountId);
  const targetHostnames = new Map<string, string>();
  if (agents.some((agent) => agent.target_id !== undefined)) {
    const targets = await collectPages(
      (page, per_page) => api.listTargets(accountId, { page, per_page }),
      100_000,
    );
    for (const target of targets) targetHostnames.set(target.id, target.hostname);
  }
  return { agents, targetHostnames };
}
