/**
 * Revocation that works at once (issue 13):
 * - `join_tokens.replaces_agent_id`: a join token an admin made to replace one agent (`…/agents/{id}/
 *   replace`); enrolling with it gives that agent a new credential and keeps its target;
 * - `retired_refresh_tokens`: the hashes of refresh tokens already rotated away, with their sign-in
 *   session, so that one presented again is recognised as theft (RFC 6819 5.2.2.3) and its whole session
 *   revoked.
 */
import { sql, type ColumnDataType, type Expression, type Kysely, type Migration } from 'kysely';
import type { DatabaseKind } from '../column-codec.js';

export function revocationSchema(kind: DatabaseKind): Migration {
  const pg = kind === 'postgres';
  const time: ColumnDataType | Expression<unknown> = pg ? sql`timestamptz(3)` : 'text';

  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      // No foreign key: the agent may be removed before the token is used (the enrolment then refuses).
      await db.schema.alterTable('join_tokens').addColumn('replaces_agent_id', 'text').execute();

      await db.schema
        .createTable('retired_refresh_tokens')
        .addColumn('refresh_token_hash', 'text', (c) => c.primaryKey())
        .addColumn('session_id', 'text', (c) => c.notNull().references('sign_in_sessions.id'))
        .addColumn('retired_at', time, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('sign_in_sessions_by_user')
        .on('sign_in_sessions')
        .columns(['user_id'])
        .execute();
      await db.schema
        .createIndex('sign_in_sessions_by_email')
        .on('sign_in_sessions')
        .columns(['account_id', 'email'])
        .execute();
    },
  };
}
