/**
 * `latchkey admin agents`: the enrolled agents and the hostnames of their targets; `admin agents remove`
 * (the agent's credential dies at once, its target with it unless kept) and `admin agents replace` (a
 * one-use join token that re-enrols a rebuilt host as the same agent, keeping its target). An agent is
 * named by its id, or by its hostname when exactly one agent has it.
 */
import { LatchkeyError, type Agent, type JoinToken } from '@latchkey/shared';
import { isUuid } from '../../domain/admin/admin-arguments.js';
import { resolveAccountId } from '../api-token-account.js';
import { collectPages } from './collect-pages.js';
import type { AdminApi } from './ports.js';

export async function listAdminAgents(
  api: AdminApi,
  request: { account?: string },
): Promise<{ agents: Agent[]; targetHostnames: Map<string, string> }> {
  const accountId = await resolveAccountId(api, request.account);
  const agents = await api.listAgents(accountId);
  return { agents, targetHostnames: await targetHostnamesOf(api, accountId, agents) };
}

export async function removeAdminAgent(
  api: AdminApi,
  request: { account?: string; agent: string; keepTarget: boolean },
): Promise<Agent> {
  const accountId = await resolveAccountId(api, request.account);
  const agent = await findAgent(api, accountId, request.agent);
  return api.removeAgent(accountId, agent.id, { keepTarget: request.keepTarget });
}

export async function replaceAdminAgent(
  api: AdminApi,
  request: { account?: string; agent: string; expiresInSeconds?: number },
): Promise<{ agent: Agent; joinToken: JoinToken }> {
  const accountId = await resolveAccountId(api, request.account);
  const agent = await findAgent(api, accountId, request.agent);
  const joinToken = await api.replaceAgent(accountId, agent.id, {
    name: `replace agent ${agent.hostname}`.slice(0, 255),
    ...(request.expiresInSeconds === undefined ? {} : { expires_in_seconds: request.expiresInSeconds }),
  });
  return { agent, joinToken };
}

/** The agent with this id, or the only one with this hostname; otherwise a not_found or conflict error. */
async function findAgent(api: AdminApi, accountId: string, named: string): Promise<Agent> {
  const agents = await api.listAgents(accountId);
  if (isUuid(named)) {
    const byId = agents.find((agent) => agent.id === named.toLowerCase());
    if (byId !== undefined) return byId;
  }
  const byHostname = agents.filter((agent) => agent.hostname === named);
  if (byHostname.length === 1) return byHostname[0]!;
  if (byHostname.length > 1) {
    throw new LatchkeyError(
      'conflict',
      `${byHostname.length} agents have the hostname ${JSON.stringify(named)} (${byHostname
        .map((agent) => agent.id)
        .join(', ')}): name one by its id`,
    );
  }
  throw new LatchkeyError(
    'not_found',
    `no agent has the id or hostname ${JSON.stringify(named)}; \`latchkey admin agents\` lists them`,
  );
}

async function targetHostnamesOf(
  api: AdminApi,
  accountId: string,
  agents: readonly Agent[],
): Promise<Map<string, string>> {
  const targetHostnames = new Map<string, string>();
  if (agents.some((agent) => agent.target_id !== undefined)) {
    const targets = await collectPages(
      (page, per_page) => api.listTargets(accountId, { page, per_page }),
      100_000,
    );
    for (const target of targets) targetHostnames.set(target.id, target.hostname);
  }
  return targetHostnames;
}
