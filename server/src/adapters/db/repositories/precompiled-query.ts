/**
 * Hot-path reads whose SQL is compiled once: kysely builds and compiles a query's SQL on every call
 * (operation nodes, visitors, frozen objects), which was about a tenth of a certificate request's CPU.
 * A precompiled query is built once per database kind with placeholder arguments; each call only binds
 * its arguments and runs the SQL through the caller's kysely handle, so it still takes its turn on
 * SQLite's one connection and runs inside the caller's transaction when there is one.
 */
import { CompiledQuery, type Compilable, type Kysely } from 'kysely';
import type { DatabaseKind } from '../column-codec.js';
import type { DatabaseSchema } from '../schema.js';
import type { RepositoryContext } from './context.js';

/** Where each parameter of the compiled SQL comes from: the call's argument i, or a constant. */
type Slot = { argument: number } | { constant: unknown };

const PLACEHOLDER = '\u0000latchkey-precompiled-argument-';

export function precompiledQuery<Row>(
  arity: number,
  build: (db: Kysely<DatabaseSchema>, ...args: string[]) => Compilable<Row>,
): (ctx: RepositoryContext, ...args: string[]) => Promise<Row[]> {
  const compiled = new Map<DatabaseKind, { sql: string; slots: Slot[] }>();
  const compile = (ctx: RepositoryContext) => {
    const placeholders = Array.from({ length: arity }, (_, i) => `${PLACEHOLDER}${i}`);
    const query = build(ctx.db, ...placeholders).compile();
    const slots = query.parameters.map((value): Slot => {
      const i = typeof value === 'string' ? placeholders.indexOf(value) : -1;
      return i >= 0 ? { argument: i } : { constant: value };
    });
    const entry = { sql: query.sql, slots };
    compiled.set(ctx.kind, entry);
    return entry;
  };
  return async (ctx, ...args) => {
    const { sql, slots } = compiled.get(ctx.kind) ?? compile(ctx);
    const parameters = slots.map((slot) => ('argument' in slot ? args[slot.argument] : slot.constant));
    const result = await ctx.db.executeQuery<Row>(CompiledQuery.raw(sql, parameters));
    return result.rows;
  };
}
