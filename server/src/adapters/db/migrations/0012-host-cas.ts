/**
 * Host CAs (host certificates for agents' SSH fronts): one per account, apart from the account's user CA
 * (gateway_cas), its private key sealed like that one. Made on first need; never deleted by the API.
 */
import { sql, type ColumnDataType, type Expression, type Kysely, type Migration } from 'kysely';
import type { DatabaseKind } from '../column-codec.js';

export function hostCasSchema(kind: DatabaseKind): Migration {
  const pg = kind === 'postgres';
  const time: ColumnDataType | Expression<unknown> = pg ? sql`timestamptz(3)` : 'text';
  const bytes: ColumnDataType = pg ? 'bytea' : 'blob';

  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('host_cas')
        .addColumn('account_id', 'text', (c) => c.primaryKey().references('accounts.id'))
        .addColumn('public_key', 'text', (c) => c.notNull())
        .addColumn('encrypted_private_key', bytes, (c) => c.notNull())
        .addColumn('key_algorithm', 'text', (c) => c.notNull())
        .addColumn('created_at', time, (c) => c.notNull())
        .execute();
    },
  };
}
