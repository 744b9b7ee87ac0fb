/**
 * Issued sessions (issue 13, "an agent acts for its own target only"): what the server issued with each
 * certificate (its session id, the person, the target, the UNIX user), one row per certificate, written in
 * the issuance's transaction. An uploaded session log is indexed from this record, never from what the
 * uploading agent claims, and only for the agent's own target. Kept for good (logs may arrive long after
 * a restart or an outage); a few hundred bytes per certificate.
 */
import { sql, type ColumnDataType, type Expression, type Kysely, type Migration } from 'kysely';
import type { DatabaseKind } from '../column-codec.js';

export function issuedSessionsSchema(kind: DatabaseKind): Migration {
  const pg = kind === 'postgres';
  const time: ColumnDataType | Expression<unknown> = pg ? sql`timestamptz(3)` : 'text';
  const bool: ColumnDataType = pg ? 'boolean' : 'integer';

  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('issued_sessions')
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('session_id', 'text', (c) => c.notNull())
        // No foreign keys to targets or sign-ins: the record outlives both (logs come later).
        .addColumn('target_id', 'text', (c) => c.notNull())
        .addColumn('target_hostname', 'text', (c) => c.notNull())
        .addColumn('person', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text')
        .addColumn('username', 'text', (c) => c.notNull())
        .addColumn('sign_in_session_id', 'text', (c) => c.notNull())
        .addColumn('serial', 'text', (c) => c.notNull())
        .addColumn('bound_to_target', bool, (c) => c.notNull())
        .addColumn('issued_at', time, (c) => c.notNull())
        .addColumn('valid_before', time, (c) => c.notNull())
        .addPrimaryKeyConstraint('issued_sessions_pk', ['account_id', 'session_id'])
        .execute();
    },
  };
}
