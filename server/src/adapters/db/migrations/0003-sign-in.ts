/**
 * Sign-in (issue 4): built-in users, sign-in sessions with their refresh token, OAuth device
 * authorizations (RFC 8628), upstream OIDC logins in flight, and the access-token signing key.
 *
 * Also the access configuration version: one counter that triggers bump on every change to what
 * certificate decisions read (apps, their policy links, policies, groups, the CA, the session-log key),
 * in the changing transaction itself, so a server process can cache that configuration and know with
 * one primary-key read whether its copy is current, whichever process made the change.
 */
import { sql, type ColumnDataType, type Expression, type Kysely, type Migration } from 'kysely';
import type { DatabaseKind } from '../column-codec.js';

export function signInSchema(kind: DatabaseKind): Migration {
  const pg = kind === 'postgres';
  const time: ColumnDataType | Expression<unknown> = pg ? sql`timestamptz(3)` : 'text';
  const json: ColumnDataType = pg ? 'jsonb' : 'text';
  const bytes: ColumnDataType = pg ? 'bytea' : 'blob';

  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('groups', json, (c) => c.notNull())
        .addColumn('disabled_at', time)
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('updated_at', time, (c) => c.notNull())
        .addUniqueConstraint('users_email_unique', ['account_id', 'email'])
        .execute();

      await db.schema
        .createTable('sign_in_sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('user_id', 'text', (c) => c.references('users.id'))
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('groups', json, (c) => c.notNull())
        .addColumn('login_method', 'text', (c) => c.notNull())
        .addColumn('auth_methods', json, (c) => c.notNull())
        .addColumn('claims', json, (c) => c.notNull())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('refresh_token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('refresh_expires_at', time, (c) => c.notNull())
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('refreshed_at', time)
        .addColumn('revoked_at', time)
        .execute();

      await db.schema
        .createTable('device_authorizations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('device_code_hash', 'text', (c) => c.notNull().unique())
        .addColumn('user_code', 'text', (c) => c.notNull().unique())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('session_id', 'text', (c) => c.references('sign_in_sessions.id'))
        .addColumn('interval_seconds', 'integer', (c) => c.notNull())
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('expires_at', time, (c) => c.notNull())
        .addColumn('last_polled_at', time)
        .execute();

      await db.schema
        .createTable('upstream_logins')
        .addColumn('state', 'text', (c) => c.primaryKey())
        .addColumn('device_authorization_id', 'text', (c) =>
          c.notNull().references('device_authorizations.id'),
        )
        .addColumn('pending', json, (c) => c.notNull())
        .addColumn('confirmation_hash', 'text', (c) => c.unique())
        .addColumn('identity', json)
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('expires_at', time, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('token_signing_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('singleton', 'integer', (c) => c.unique())
        .addColumn('encrypted_private_key', bytes, (c) => c.notNull())
        .addColumn('public_key', 'text', (c) => c.notNull())
        .addColumn('created_at', time, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('access_config_version')
        .addColumn('singleton', 'integer', (c) => c.primaryKey())
        .addColumn('version', pg ? 'bigint' : 'integer', (c) => c.notNull())
        .execute();
      await sql`insert into access_config_version (singleton, version) values (1, 0)`.execute(db);
      const bump = 'update access_config_version set version = version + 1 where singleton = 1';
      if (pg) {
        await sql
          .raw(
            `create function bump_access_config_version() returns trigger language plpgsql as $$
          begin ${bump}; return null; end $$`,
          )
          .execute(db);
      }
      for (const table of VERSIONED_TABLES) {
        if (pg) {
          await sql
            .raw(
              `create trigger ${table}_bumps_access_config after insert or update or delete on ${table}
            for each statement execute function bump_access_config_version()`,
            )
            .execute(db);
        } else {
          for (const event of ['insert', 'update', 'delete']) {
            await sql
              .raw(
                `create trigger ${table}_${event}_bumps_access_config after ${event} on ${table}
              begin ${bump}; end`,
              )
              .execute(db);
          }
        }
      }
    },
  };
}

/** The tables certificate decisions read, cached per server process (see app/sign-in/access-config.ts). */
const VERSIONED_TABLES = [
  'apps',
  'app_policies',
  'policies',
  'access_groups',
  'gateway_cas',
  'audit_ssh_settings',
];
