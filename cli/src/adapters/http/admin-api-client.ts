/**
 * The admin's side of the access server's API, with an API token: targets and virtual networks
 * (`…/infrastructure/targets`, `…/teamnet/virtual_networks`, "Zero Trust: Read" / "Edit"), agents and join
 * tokens (`…/latchkey/agents`, `…/latchkey/join_tokens`), and the audit log (`GET /v1/audit`, "Audit Logs:
 * Read"). The requests, the envelope and the refusals (with the permission each call needs and how an
 * admin makes such a token) are api-token-http.ts's.
 */
import type {
  Account,
  Agent,
  AuditEvent,
  AuditEventListQuery,
  JoinToken,
  JoinTokenCreateBody,
  Target,
  TargetInputBody,
  VirtualNetwork,
} from '@latchkey/shared';
import type { AdminApi, Page } from '../../app/admin/ports.js';
import type { AdminPermission } from '../../domain/admin/admin-arguments.js';
import { ApiTokenHttp, searchOf, type ApiMethod, type ApiTokenHttpOptions } from './api-token-http.js';

export class HttpAdminApi implements AdminApi {
  private readonly http: ApiTokenHttp;

  constructor(
    readonly url: string,
    token: string,
    options: ApiTokenHttpOptions = {},
  ) {
    this.http = new ApiTokenHttp(url, token, options);
  }

  async accounts(): Promise<Account[]> {
    return (await this.call<Account[]>('GET', '/client/v4/accounts', undefined)).result;
  }

  async listTargets(
    accountId: string,
    query: { hostname?: string; page: number; per_page: number },
  ): Promise<Page<Target>> {
    return this.page<Target>(`${this.account(accountId)}/infrastructure/targets`, query, 'Zero Trust: Read');
  }

  async getTarget(accountId: string, targetId: string): Promise<Target> {
    const path = `${this.account(accountId)}/infrastructure/targets/${encodeURIComponent(targetId)}`;
    return (await this.call<Target>('GET', path, 'Zero Trust: Read')).result;
  }

  async createTarget(accountId: string, body: TargetInputBody): Promise<Target> {
    const path = `${this.account(accountId)}/infrastructure/targets`;
    return (await this.call<Target>('POST', path, 'Zero Trust: Edit', body)).result;
  }

  async deleteTarget(accountId: string, targetId: string): Promise<void> {
    const path = `${this.account(accountId)}/infrastructure/targets/${encodeURIComponent(targetId)}`;
    await this.call<null>('DELETE', path, 'Zero Trust: Edit');
  }

  async listVirtualNetworks(accountId: string, query: { name?: string }): Promise<VirtualNetwork[]> {
    const path = `${this.account(accountId)}/teamnet/virtual_networks${searchOf(query)}`;
    return (await this.call<VirtualNetwork[]>('GET', path, 'Zero Trust: Read')).result;
  }

  async listAgents(accountId: string): Promise<Agent[]> {
    const path = `${this.account(accountId)}/latchkey/agents`;
    return (await this.call<Agent[]>('GET', path, 'Zero Trust: Read')).result;
  }

  async createJoinToken(accountId: string, body: JoinTokenCreateBody): Promise<JoinToken> {
    const path = `${this.account(accountId)}/latchkey/join_tokens`;
    return (await this.call<JoinToken>('POST', path, 'Zero Trust: Edit', body)).result;
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
    const answer = await this.call<T[]>('GET', `${path}${searchOf(query)}`, permission);
    const info = answer.resultInfo as { total_pages?: unknown } | undefined;
    return {
      items: answer.result,
      ...(typeof info?.total_pages === 'number' ? { totalPages: info.total_pages } : {}),
    };
  }

  private async call<T>(
    method: ApiMethod,
    path: string,
    permission: AdminPermission | undefined,
    body?: unknown,
  ): Promise<{ result: T; resultInfo?: unknown }> {
    return this.http.json<T>(method, path, permission, body);
  }
}
