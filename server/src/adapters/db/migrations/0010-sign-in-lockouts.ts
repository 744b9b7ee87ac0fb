/**
 * Sign-in lockouts (issue 13, "password guessing"): per account and typed email, the consecutive failed
 * passwords and until when further attempts must wait. In the database so that every server process
 * agrees; one row per email ever mistyped (an unknown email locks like a known one: no enumeration).
 */
import { sql, type ColumnDataType, type Expression, type Kysely, type Migration } from 'kysely';
import type { DatabaseKind } from '../column-codec.js';

export function signInLockoutsSchema(kind: DatabaseKind): Migration {
  const pg = kind === 'postgres';
  const time: ColumnDataType | Expression<unknown> = pg ? sql`timestamptz(3)` : 'text';

  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('sign_in_lockouts')
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('locked_until', time)
        .addColumn('updated_at', time, (c) => c.notNull())
        .addPrimaryKeyConstraint('sign_in_lockouts_pk', ['account_id', 'subject'])
        .execute();
    },
  };
}
