/** Validates a page request against the port's limits (page ≥ 1, 1 ≤ perPage ≤ MAX_PER_PAGE). */
import { LatchkeyError } from '@latchkey/shared';
import { MAX_PER_PAGE, type PageRequest } from '../../../app/ports/store.js';

export function pageBounds(
  request: PageRequest,
  defaultPerPage: number,
): { page: number; perPage: number; offset: number } {
  const page = request.page ?? 1;
  const perPage = request.perPage ?? defaultPerPage;
  if (!Number.isInteger(page) || page < 1) {
    throw new LatchkeyError('invalid_argument', `page must be a whole number ≥ 1 (got ${page})`);
  }
  if (!Number.isInteger(perPage) || perPage < 1 || perPage > MAX_PER_PAGE) {
    throw new LatchkeyError(
      'invalid_argument',
      `per_page must be a whole number from 1 to ${MAX_PER_PAGE} (got ${perPage})`,
    );
  }
  return { page, perPage, offset: (page - 1) * perPage };
}

/** `count(*)` comes back as a number (SQLite) or a bigint string (PostgreSQL). */
export function countOf(row: { count: unknown } | undefined): number {
  return Number(row?.count ?? 0);
}
