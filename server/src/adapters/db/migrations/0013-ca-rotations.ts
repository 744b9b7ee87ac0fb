/**
 * CA rotations (issue 13): at most one under way per account, beside the account's CA (gateway_cas). The
 * next CA's private key is sealed exactly as the CA's own (bound to the account and the next public key),
 * so completing a rotation moves it into gateway_cas as it is. Certificate decisions read it (which key
 * signs), so a change bumps the access configuration version like the tables of migration 0003.
 */
import { sql, type ColumnDataType, type Expression, type Kysely, type Migration } from 'kysely';
import type { DatabaseKind } from '../column-codec.js';

export function caRotationsSchema(kind: DatabaseKind): Migration {
  const pg = kind === 'postgres';
  const time: ColumnDataType | Expression<unknown> = pg ? sql`timestamptz(3)` : 'text';
  const bytes: ColumnDataType = pg ? 'bytea' : 'blob';

  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('gateway_ca_rotations')
        .addColumn('account_id', 'text', (c) => c.primaryKey().references('accounts.id'))
        .addColumn('phase', 'text', (c) => c.notNull())
        .addColumn('next_id', 'text', (c) => c.notNull())
        .addColumn('next_public_key', 'text', (c) => c.notNull())
        .addColumn('next_encrypted_private_key', bytes, (c) => c.notNull())
        .addColumn('next_key_algorithm', 'text', (c) => c.notNull())
        .addColumn('started_at', time, (c) => c.notNull())
        .addColumn('switched_at', time)
        .addColumn('retire_after', time)
        .execute();
      const bump = 'update access_config_version set version = version + 1 where singleton = 1';
      if (pg) {
        await sql
          .raw(
            `create trigger gateway_ca_rotations_bumps_access_config after insert or update or delete
            on gateway_ca_rotations for each statement execute function bump_access_config_version()`,
          )
          .execute(db);
      } else {
        for (const event of ['insert', 'update', 'delete']) {
          await sql
            .raw(
              `create trigger gateway_ca_rotations_${event}_bumps_access_config after ${event}
              on gateway_ca_rotations begin ${bump}; end`,
            )
            .execute(db);
        }
      }
    },
  };
}
