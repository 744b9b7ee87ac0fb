/**
 * Cloudflare's page paging for lists the server holds whole (accounts, apps, policies, groups, virtual
 * networks: a handful to a few hundred records): `page` from 1 and `per_page`, and `result_info`. A page
 * past the end is empty, which is how Cloudflare's SDKs (`for await`) know the list has ended.
 */
import type { ResultInfo } from '@latchkey/shared';
import { resultInfo } from '@latchkey/shared';

export interface PageQuery {
  page?: number;
  per_page?: number;
}

export function pageOf<T>(
  items: readonly T[],
  query: PageQuery,
  defaultPerPage: number,
): { result: T[]; resultInfo: ResultInfo } {
  const page = query.page ?? 1;
  const perPage = query.per_page ?? defaultPerPage;
  const result = items.slice((page - 1) * perPage, page * perPage);
  return { result, resultInfo: resultInfo(page, perPage, result.length, items.length) };
}
