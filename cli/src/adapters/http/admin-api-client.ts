/**
 * The admin's side of the access server's API, with an API token: targets and virtual networks
 * (`…/infrastructure/targets`, `…/teamnet/virtual_networks`, "Zero Trust: Read" / "Edit"), agents and join
 * tokens (`…/latchkey/agents`, `…/latchkey/join_tokens`), and the audit log (`GET /v1/audit`, "Audit Logs:
 * Read"). Answers come in Cloudflare's envelope, read by the shared protocol's `envelopeResult` (401
 * unauthenticated, 403 permission_denied with the server's words, 404 not_found, 400/422
 * invalid_argument, else unavailable); this client makes a 409 `conflict` and adds which permission the
 * call needs and how an admin makes such a token. node:http, as the rest of the CLI (no fetch start-up).
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import {
  LatchkeyError,
  envelopeResult,
  isLatchkeyError,
  type AccessServerRequest,
  type Account,
  type Agent,
  type AuditEvent,
  type AuditEventListQuery,
  type JoinToken,
  type JoinTokenCreateBody,
  type Target,
  type TargetInputBody,
  type VirtualNetwork,
} from '@latchkey/shared';
import type { AdminApi, Page } from '../../app/admin/ports.js';
import type { AdminPermission } from '../../domain/admin/admin-arguments.js';
import { tokenHint } from '../../domain/api-token-permission.js';

type Method = 'GET' | 'POST' | 'DELETE';

export class HttpAdminApi implements AdminApi {
  constructor(
    readonly url: string,
    private readonly token: string,
    private readonly options: { userAgent?: string; timeoutMs?: number } = {},
  ) {}

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
    const info = (answer.json as { result_info?: { total_pages?: unknown } } | null)?.result_info;
    return {
      items: answer.result,
      ...(typeof info?.total_pages === 'number' ? { totalPages: info.total_pages } : {}),
    };
  }

  /** One request; the envelope's result, or a LatchkeyError that says what to do about it. */
  private async call<T>(
    method: Method,
    path: string,
    permission: AdminPermission | undefined,
    body?: unknown,
  ): Promise<{ result: T; json: unknown }> {
    const answer = await this.send(method, path, body);
    // envelopeResult's type names only GET and POST; it uses the method in its words alone, so DELETE is fine.
    const request = { method: method as AccessServerRequest['method'], path };
    try {
      return { result: envelopeResult<T>(this.url, request, answer), json: answer.json };
    } catch (error) {
      if (!isLatchkeyError(error)) throw error;
      const where = error.message.startsWith(`${method} ${this.url}`)
        ? ''
        : `${this.url} refused ${method} ${path.split('?')[0]}: `;
      const hint =
        error.code === 'unauthenticated'
          ? ' (is the API token right, and not expired?)'
          : error.code === 'permission_denied' && permission !== undefined
            ? error.message.includes(`"${permission}"`)
              ? `; ${tokenHint(permission)}`
              : ` (this needs an API token with the permission "${permission}"; ${tokenHint(permission)})`
            : '';
      // A 409 (an address already taken) is the server's `conflict`, not a server failure.
      const code = answer.status === 409 ? 'conflict' : error.code;
      throw new LatchkeyError(code, `${where}${error.message}${hint}`);
    }
  }

  private send(method: Method, path: string, body: unknown): Promise<{ status: number; json: unknown }> {
    const headers: Record<string, string> = {
      accept: 'application/json',
      authorization: `Bearer ${this.token}`,
    };
    if (this.options.userAgent !== undefined) headers['user-agent'] = this.options.userAgent;
    const text = body === undefined ? undefined : JSON.stringify(body);
    if (text !== undefined) headers['content-type'] = 'application/json';
    const url = `${this.url}${path}`;
    const send = url.startsWith('https:') ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const request = send(
        url,
        { method, headers, timeout: this.options.timeoutMs ?? 30_000 },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              json: parseJson(Buffer.concat(chunks).toString('utf8')),
            }),
          );
        },
      );
      request.on('timeout', () =>
        request.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })),
      );
      request.on('error', (error) => {
        const why = (error as NodeJS.ErrnoException).code ?? error.message;
        reject(
          new LatchkeyError('unavailable', `cannot reach the access server at ${this.url} (${why})`, {
            cause: error,
          }),
        );
      });
      request.end(text);
    });
  }
}

function searchOf(query: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) search.set(key, String(value));
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

function parseJson(text: string): unknown {
  try {
    return text === '' ? null : JSON.parse(text);
  } catch {
    return null;
  }
}
