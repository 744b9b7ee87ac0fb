/** `latchkey logs list`: the session logs matching the filters, newest first, up to `limit`. */
import type { SshLog } from '@latchkey/shared';
import { resolveAccountId } from '../api-token-account.js';
import type { AuditApi, LogListQuery } from './ports.js';

const PER_PAGE = 100;

export async function listLogs(
  api: AuditApi,
  request: { account?: string; query: Omit<LogListQuery, 'page' | 'per_page'>; limit: number },
): Promise<SshLog[]> {
  const accountId = await resolveAccountId(api, request.account);
  const logs: SshLog[] = [];
  for (let page = 1; logs.length < request.limit; page++) {
    const answer = await api.listLogs(accountId, {
      ...request.query,
      page,
      per_page: Math.min(PER_PAGE, request.limit),
    });
    logs.push(...answer.logs);
    if (answer.logs.length === 0 || page >= (answer.totalPages ?? page)) break;
  }
  return logs.slice(0, request.limit);
}
