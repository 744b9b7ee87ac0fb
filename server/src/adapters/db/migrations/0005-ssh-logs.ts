/**
 * Session logs (issue 6): `ssh_logs`, the clear index of each uploaded log (what auditors list and
 * filter), and `ssh_log_files`, its sealed bytes in pieces of at most 1 MiB. The bytes live apart so
 * that listing never reads them, and in pieces so that a log of hundreds of MiB is written and streamed
 * without one huge value (PostgreSQL returns bytea as hex text, and a string cannot hold 2 × 256 MiB).
 */
import { sql, type ColumnDataType, type Expression, type Kysely, type Migration } from 'kysely';
import type { DatabaseKind } from '../column-codec.js';

export function sshLogsSchema(kind: DatabaseKind): Migration {
  const pg = kind === 'postgres';
  const time: ColumnDataType | Expression<unknown> = pg ? sql`timestamptz(3)` : 'text';
  const bool: ColumnDataType = pg ? 'boolean' : 'integer';

  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('ssh_logs')
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('id', 'text', (c) => c.notNull())
        // No foreign keys to agents or targets: logs outlive both.
        .addColumn('agent_id', 'text', (c) => c.notNull())
        .addColumn('session_id', 'text', (c) => c.notNull())
        .addColumn('user_email', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text')
        .addColumn('username', 'text', (c) => c.notNull())
        .addColumn('target_id', 'text', (c) => c.notNull())
        .addColumn('target_hostname', 'text')
        .addColumn('client_address', 'text')
        .addColumn('server_address', 'text')
        .addColumn('pty', bool, (c) => c.notNull())
        .addColumn('program_type', 'text', (c) => c.notNull())
        .addColumn('command', 'text')
        .addColumn('session_start_at', time, (c) => c.notNull())
        .addColumn('session_finish_at', time)
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('error', 'text')
        .addColumn('size_bytes', pg ? 'bigint' : 'integer', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('file_id', 'text', (c) => c.notNull().unique())
        .addColumn('uploaded_at', time, (c) => c.notNull())
        .addPrimaryKeyConstraint('ssh_logs_pkey', ['account_id', 'id'])
        .execute();
      // Newest first, and each filter of the list, newest first within it.
      await db.schema
        .createIndex('ssh_logs_by_start')
        .on('ssh_logs')
        .columns(['account_id', 'session_start_at', 'id'])
        .execute();
      for (const column of ['session_id', 'user_email', 'username', 'target_id']) {
        await db.schema
          .createIndex(`ssh_logs_by_${column}`)
          .on('ssh_logs')
          .columns(['account_id', column, 'session_start_at'])
          .execute();
      }

      await db.schema
        .createTable('ssh_log_files')
        .addColumn('file_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('data', pg ? 'bytea' : 'blob', (c) => c.notNull())
        .addPrimaryKeyConstraint('ssh_log_files_pkey', ['file_id', 'seq'])
        .execute();
    },
  };
}
