/**
 * What every repository works with: the kysely handle (the store's, or a transaction's), the column
 * codec of the database, and the clock and id source the store was opened with.
 */
import type { Kysely } from 'kysely';
import type { ColumnCodec, DatabaseKind } from '../column-codec.js';
import type { DatabaseSchema } from '../schema.js';

export interface RepositoryContext {
  readonly db: Kysely<DatabaseSchema>;
  readonly kind: DatabaseKind;
  readonly codec: ColumnCodec;
  readonly clock: () => Date;
  readonly newId: () => string;
}

/**
 * Runs `fn` in a transaction: the caller's if there is one (so a use-case's transaction covers it),
 * else a new one.
 */
export function withTransaction<T>(
  ctx: RepositoryContext,
  fn: (ctx: RepositoryContext) => Promise<T>,
): Promise<T> {
  if (ctx.db.isTransaction) return fn(ctx);
  return ctx.db.transaction().execute((trx) => fn({ ...ctx, db: trx }));
}

/** Milliseconds are the stored precision: drop anything finer so records equal what a read returns. */
export function now(ctx: RepositoryContext): Date {
  return new Date(Math.floor(ctx.clock().getTime()));
}
