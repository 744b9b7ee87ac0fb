/**
 * The admin's side of the access server's API, with an API token: targets and virtual networks
 * (`…/infrastructure/targets`, `…/teamnet/virtual_networks`, "Zero Trust: Read" / "Edit"), agents and join
 * tokens (`…/latchkey/agents`, `…/latchkey/join_tokens`: list, remove, replace), the account's API tokens
 * (`…/latchkey/api_tokens`, "Account API Tokens: Read" / "Edit"), connectors' tunnel routes (`…/teamnet/routes`), live SSH sessions (`…/access/ssh_sessions`,
 * "Zero Trust: Read" to list, "Edit" to end one), and the audit log (`GET /v1/audit`, "Audit Logs: Read"). The requests, the envelope and the refusals (with the permission each call needs and how an
 * admin makes such a token) are api-token-http.ts's.
 */
import { LatchkeyError } from '@latchkey/shared';
import type {
  Account,
  Agent,
  AgentReplaceBody,
  ApiToken,
  CaRotation,
  CaRotationActionBody,
  AuditEvent,
  AuditEventListQuery,
  JoinToken,
  JoinTokenCreateBody,
  SshSession,
  SshSessionEnd,
  Target,
  TargetInputBody,
  TunnelRoute,
  TunnelRouteCreateBody,
  VirtualNetwork,
} from '@latchkey/shared';
import type {
  AdminApi,
  ApiTokensApi,
  CaRotationApi,
  Page,
  SshSessionsApi,
  TunnelRoutesApi,
} from '../../app/admin/ports.js';
import type { AdminPermission } from '../../domain/admin/admin-arguments.js';
import { parseSha256Line } from '../../domain/admin/admin-arguments.js';
import { ApiTokenHttp, readAll, searchOf } from './api-token-http.js';

export class HttpAdminApi
  extends ApiTokenHttp
  implements AdminApi, SshSessionsApi, ApiTokensApi, CaRotationApi, TunnelRoutesApi
{
  async accounts(): Promise<Account[]> {
    return (await this.json<Account[]>('GET', '/client/v4/accounts', undefined)).result;
  }

  async listTargets(
    accountId: string,
    query: { hostname?: string; page: number; per_page: number },
  ): Promise<Page<Target>> {
    return this.page<Target>(`${this.account(accountId)}/infrastructure/targets`, query, 'Zero Trust: Read');
  }

  async getTarget(accountId: string, targetId: string): Promise<Target> {
    const path = `${this.account(accountId)}/infrastructure/targets/${encodeURIComponent(targetId)}`;
    return (await this.json<Target>('GET', path, 'Zero Trust: Read')).result;
  }

  async createTarget(accountId: string, body: TargetInputBody): Promise<Target> {
    const path = `${this.account(accountId)}/infrastructure/targets`;
    return (await this.json<Target>('POST', path, 'Zero Trust: Edit', body)).result;
  }

  async deleteTarget(accountId: string, targetId: string): Promise<void> {
    const path = `${this.account(accountId)}/infrastructure/targets/${encodeURIComponent(targetId)}`;
    await this.json<null>('DELETE', path, 'Zero Trust: Edit');
  }

  async listVirtualNetworks(accountId: string, query: { name?: string }): Promise<VirtualNetwork[]> {
    const path = `${this.account(accountId)}/teamnet/virtual_networks${searchOf(query)}`;
    return (await this.json<VirtualNetwork[]>('GET', path, 'Zero Trust: Read')).result;
  }

  async listTunnelRoutes(
    accountId: string,
    query: { tunnel_id?: string; virtual_network_id?: string; page: number; per_page: number },
  ): Promise<Page<TunnelRoute>> {
    return this.page<TunnelRoute>(`${this.account(accountId)}/teamnet/routes`, query, 'Zero Trust: Read');
  }

  async createTunnelRoute(accountId: string, body: TunnelRouteCreateBody): Promise<TunnelRoute> {
    const path = `${this.account(accountId)}/teamnet/routes`;
    return (await this.json<TunnelRoute>('POST', path, 'Zero Trust: Edit', body)).result;
  }

  async deleteTunnelRoute(accountId: string, routeId: string): Promise<TunnelRoute> {
    const path = `${this.account(accountId)}/teamnet/routes/${encodeURIComponent(routeId)}`;
    return (await this.json<TunnelRoute>('DELETE', path, 'Zero Trust: Edit')).result;
  }

  async listAgents(accountId: string): Promise<Agent[]> {
    const path = `${this.account(accountId)}/latchkey/agents`;
    return (await this.json<Agent[]>('GET', path, 'Zero Trust: Read')).result;
  }

  async removeAgent(accountId: string, agentId: string, options: { keepTarget: boolean }): Promise<Agent> {
    const query = options.keepTarget ? '?keep_target=true' : '';
    const path = `${this.account(accountId)}/latchkey/agents/${encodeURIComponent(agentId)}${query}`;
    return (await this.json<Agent>('DELETE', path, 'Zero Trust: Edit')).result;
  }

  async replaceAgent(accountId: string, agentId: string, body: AgentReplaceBody): Promise<JoinToken> {
    const path = `${this.account(accountId)}/latchkey/agents/${encodeURIComponent(agentId)}/replace`;
    return (await this.json<JoinToken>('POST', path, 'Zero Trust: Edit', body)).result;
  }

  async listApiTokens(accountId: string): Promise<ApiToken[]> {
    const path = `${this.account(accountId)}/latchkey/api_tokens`;
    return (await this.json<ApiToken[]>('GET', path, 'Account API Tokens: Read')).result;
  }

  async getApiToken(accountId: string, tokenId: string): Promise<ApiToken> {
    const path = `${this.account(accountId)}/latchkey/api_tokens/${encodeURIComponent(tokenId)}`;
    return (await this.json<ApiToken>('GET', path, 'Account API Tokens: Read')).result;
  }

  async revokeApiToken(accountId: string, tokenId: string): Promise<ApiToken> {
    const path = `${this.account(accountId)}/latchkey/api_tokens/${encodeURIComponent(tokenId)}`;
    return (await this.json<ApiToken>('DELETE', path, 'Account API Tokens: Edit')).result;
  }

  async agentPackageSha256(): Promise<string | undefined> {
    const response = await this.send(
      'GET',
      '/downloads/latchkey-agent-linux-x64.tar.gz.sha256',
      'text/plain',
    );
    const text = await readAll(response);
    const status = response.statusCode ?? 0;
    if (status === 404) return undefined;
    const digest = status === 200 ? parseSha256Line(text) : undefined;
    if (digest === undefined) {
      throw new LatchkeyError(
        'unavailable',
        `${this.url} answered ${status} for the agent package's sha256, not a digest: cannot pin the install line`,
      );
    }
    return digest;
  }

  async getCaRotation(accountId: string): Promise<CaRotation> {
    const path = `${this.account(accountId)}/latchkey/ca_rotation`;
    return (await this.json<CaRotation>('GET', path, 'Access: SSH Auditing: Read')).result;
  }

  async moveCaRotation(accountId: string, body: CaRotationActionBody): Promise<CaRotation> {
    const path = `${this.account(accountId)}/latchkey/ca_rotation`;
    return (await this.json<CaRotation>('POST', path, 'Access: SSH Auditing: Edit', body)).result;
  }

  async createJoinToken(accountId: string, body: JoinTokenCreateBody): Promise<JoinToken> {
    const path = `${this.account(accountId)}/latchkey/join_tokens`;
    return (await this.json<JoinToken>('POST', path, 'Zero Trust: Edit', body)).result;
  }

  async listSshSessions(accountId: string): Promise<SshSession[]> {
    const path = `${this.account(accountId)}/access/ssh_sessions`;
    return (await this.json<SshSession[]>('GET', path, 'Zero Trust: Read')).result;
  }

  async endSshSession(accountId: string, sessionId: string): Promise<SshSessionEnd> {
    const path = `${this.account(accountId)}/access/ssh_sessions/${encodeURIComponent(sessionId)}`;
    return (await this.json<SshSessionEnd>('DELETE', path, 'Zero Trust: Edit')).result;
  }

  async listAuditEvents(query: AuditEventListQuery): Promise<Page<AuditEvent>> {
    return this.page<AuditEvent>('/v1/audit', query, 'Audit Logs: Read');
  }

  private account(accountId: string): string {
    return `/client/v4/accounts/${encodeURIComponent(accountId)}`;
  }

  private async page<T>(
    path: string,
    query: Record<string, string | number | undefined>,
    permission: AdminPermission,
  ): Promise<Page<T>> {
    const answer = await this.json<T[]>('GET', `${path}${searchOf(query)}`, permission);
    const info = answer.resultInfo as { total_pages?: unknown } | undefined;
    return {
      items: answer.result,
      ...(typeof info?.total_pages === 'number' ? { totalPages: info.total_pages } : {}),
    };
  }
}
