/**
 * Session terminations (DESIGN.md flow 9): orders to end sessions at agents' SSH fronts, which the
 * agents long-poll for by id (`GET /v1/agents/session_control?after=<id>`). The id is an increasing
 * integer so that "everything after my cursor" is one index range; rows are only ever inserted.
 */
import { sql, type ColumnDataType, type Expression, type Kysely, type Migration } from 'kysely';
import type { DatabaseKind } from '../column-codec.js';

export function sessionTerminationsSchema(kind: DatabaseKind): Migration {
  const pg = kind === 'postgres';
  const time: ColumnDataType | Expression<unknown> = pg ? sql`timestamptz(3)` : 'text';

  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('session_terminations')
        .addColumn('id', pg ? 'bigint' : 'integer', (c) =>
          pg ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey().autoIncrement(),
        )
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        // No foreign key: an agent may be gone by the time it would have polled; NULL = every agent.
        .addColumn('agent_id', 'text')
        .addColumn('session_id', 'text')
        .addColumn('person', 'text')
        .addColumn('issued_before', time, (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('created_at', time, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('session_terminations_by_account')
        .on('session_terminations')
        .columns(['account_id', 'id'])
        .execute();
    },
  };
}
