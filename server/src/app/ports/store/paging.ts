/**
 * Paging of the store's lists.
 * Part of the store port (../store.ts, which states the contract every repository keeps).
 */

/** Paging input: `page` starts at 1; `perPage` at most 1000. */
export interface PageRequest {
  page?: number;
  perPage?: number;
}

/** One page of a list, with the total number of matching records (for Cloudflare's `result_info`). */
export interface Page<T> {
  items: T[];
  page: number;
  perPage: number;
  totalCount: number;
}

export const MAX_PER_PAGE = 1000;
