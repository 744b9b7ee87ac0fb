/**
 * Cloudflare fields the API takes since issue 16: a target's `tags` (a JSON object of string keys to
 * string values, `{}` when none), an access group's `is_default`, and an infrastructure app's
 * `mfa_config` (JSON, NULL when none). Apps and groups decide certificates, so their tables already bump
 * the access configuration version (0003); targets are read per request.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { DatabaseKind } from '../column-codec.js';

export function cloudflareFieldsSchema(kind: DatabaseKind): Migration {
  const pg = kind === 'postgres';
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .alterTable('targets')
        .addColumn('tags', pg ? 'jsonb' : 'text', (c) =>
          c.notNull().defaultTo(pg ? sql`'{}'::jsonb` : sql`'{}'`),
        )
        .execute();
      await db.schema
        .alterTable('access_groups')
        .addColumn('is_default', pg ? 'boolean' : 'integer', (c) => c.notNull().defaultTo(pg ? false : 0))
        .execute();
      await db.schema
        .alterTable('apps')
        .addColumn('mfa_config', pg ? 'jsonb' : 'text')
        .execute();
    },
  };
}
