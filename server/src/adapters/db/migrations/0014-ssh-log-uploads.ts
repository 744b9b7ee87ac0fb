/**
 * Session-log uploads in progress (issue 19): an upload's bytes are written to ssh_log_files as they
 * arrive, under a fresh file id that no index row names yet, and this table says whose they are and
 * since when. The upload's last transaction deletes its row here and points ssh_logs at the file id; an
 * upload that is cut off deletes its pieces and its row; a row older than a day is what a crashed server
 * left, swept with its pieces by a later upload.
 */
import { sql, type ColumnDataType, type Expression, type Kysely, type Migration } from 'kysely';
import type { DatabaseKind } from '../column-codec.js';

export function sshLogUploadsSchema(kind: DatabaseKind): Migration {
  const pg = kind === 'postgres';
  const time: ColumnDataType | Expression<unknown> = pg ? sql`timestamptz(3)` : 'text';

  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('ssh_log_uploads')
        .addColumn('file_id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('log_id', 'text', (c) => c.notNull())
        .addColumn('started_at', time, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('ssh_log_uploads_by_start')
        .on('ssh_log_uploads')
        .column('started_at')
        .execute();
    },
  };
}
