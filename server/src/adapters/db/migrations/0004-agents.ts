/**
 * Agents (issue 5): join tokens (an admin's permission for hosts to enrol, with an expiry and a use
 * count) and the enrolled agents (their credential, their target, their last heartbeat).
 */
import { sql, type ColumnDataType, type Expression, type Kysely, type Migration } from 'kysely';
import type { DatabaseKind } from '../column-codec.js';

export function agentsSchema(kind: DatabaseKind): Migration {
  const pg = kind === 'postgres';
  const time: ColumnDataType | Expression<unknown> = pg ? sql`timestamptz(3)` : 'text';
  const json: ColumnDataType = pg ? 'jsonb' : 'text';

  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('join_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('max_uses', 'integer', (c) => c.notNull())
        .addColumn('uses', 'integer', (c) => c.notNull())
        .addColumn('expires_at', time, (c) => c.notNull())
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('revoked_at', time)
        .execute();

      await db.schema
        .createTable('agents')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('hostname', 'text', (c) => c.notNull())
        .addColumn('machine_id', 'text')
        .addColumn('api_token_id', 'text', (c) => c.notNull().unique().references('api_tokens.id'))
        .addColumn('join_token_id', 'text', (c) => c.notNull().references('join_tokens.id'))
        // No foreign key: an admin may delete the target; the agent then registers a new one.
        .addColumn('target_id', 'text')
        .addColumn('heartbeat', json)
        .addColumn('last_seen_at', time)
        .addColumn('created_at', time, (c) => c.notNull())
        .addUniqueConstraint('agents_machine_id_unique', ['account_id', 'machine_id'])
        .execute();
    },
  };
}
