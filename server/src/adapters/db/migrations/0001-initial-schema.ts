/**
 * The first schema: every table of issue 3. Portable DDL through kysely's schema builder; where the two
 * databases differ (column types, identity columns, partial indexes) the migration branches on `kind`.
 * Migrations are append-only: change the schema with a new migration, never by editing this one.
 */
import { sql, type ColumnDataType, type Expression, type Kysely, type Migration } from 'kysely';
import type { DatabaseKind } from '../column-codec.js';

export function initialSchema(kind: DatabaseKind): Migration {
  const pg = kind === 'postgres';
  const time: ColumnDataType | Expression<unknown> = pg ? sql`timestamptz(3)` : 'text';
  const bool: ColumnDataType = pg ? 'boolean' : 'integer';
  const json: ColumnDataType = pg ? 'jsonb' : 'text';
  const bytes: ColumnDataType = pg ? 'bytea' : 'blob';
  const isTrue = (column: string) => sql.raw(pg ? `${column}` : `${column} = 1`);

  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('accounts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('singleton', 'integer', (c) => c.unique())
        .addColumn('created_at', time, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('virtual_networks')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('comment', 'text', (c) => c.notNull())
        .addColumn('is_default_network', bool, (c) => c.notNull())
        .addColumn('created_at', time, (c) => c.notNull())
        .addUniqueConstraint('virtual_networks_account_id_id_unique', ['account_id', 'id'])
        .addUniqueConstraint('virtual_networks_name_unique', ['account_id', 'name'])
        .execute();
      // Exactly one default per account: at most one by this index, at least one by the repository
      // (the default is created with the account and can only be replaced, never unset or deleted).
      await sql`create unique index virtual_networks_one_default on virtual_networks (account_id) where ${isTrue('is_default_network')}`.execute(
        db,
      );

      await db.schema
        .createTable('targets')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('hostname', 'text', (c) => c.notNull())
        .addColumn('hostname_lower', 'text', (c) => c.notNull())
        .addColumn('ipv4', 'text')
        .addColumn('ipv4_key', 'text')
        .addColumn('ipv4_vnet_id', 'text')
        .addColumn('ipv6', 'text')
        .addColumn('ipv6_key', 'text')
        .addColumn('ipv6_vnet_id', 'text')
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('modified_at', time, (c) => c.notNull())
        // The (ip, virtual network) pair belongs to at most one target, enforced here so that concurrent
        // creates through different server processes cannot both succeed. Key first: it also serves
        // the ip filters and ranges.
        .addUniqueConstraint('targets_ipv4_pair_unique', ['ipv4_key', 'ipv4_vnet_id'])
        .addUniqueConstraint('targets_ipv6_pair_unique', ['ipv6_key', 'ipv6_vnet_id'])
        // A target's networks are of its own account.
        .addForeignKeyConstraint('targets_ipv4_vnet_fk', ['account_id', 'ipv4_vnet_id'], 'virtual_networks', [
          'account_id',
          'id',
        ])
        .addForeignKeyConstraint('targets_ipv6_vnet_fk', ['account_id', 'ipv6_vnet_id'], 'virtual_networks', [
          'account_id',
          'id',
        ])
        .addCheckConstraint(
          'targets_have_an_ip',
          sql`(ipv4_key is not null and ipv4_vnet_id is not null) or (ipv6_key is not null and ipv6_vnet_id is not null)`,
        )
        .execute();
      await db.schema
        .createIndex('targets_by_hostname')
        .on('targets')
        .columns(['account_id', 'hostname_lower', 'id'])
        .execute();
      await db.schema
        .createIndex('targets_by_created_at')
        .on('targets')
        .columns(['account_id', 'created_at', 'id'])
        .execute();
      await db.schema.createIndex('targets_by_ipv4_vnet').on('targets').column('ipv4_vnet_id').execute();
      await db.schema.createIndex('targets_by_ipv6_vnet').on('targets').column('ipv6_vnet_id').execute();

      await db.schema
        .createTable('policies')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('decision', 'text', (c) => c.notNull())
        .addColumn('include', json, (c) => c.notNull())
        .addColumn('require', json, (c) => c.notNull())
        .addColumn('exclude', json, (c) => c.notNull())
        .addColumn('connection_rules', json)
        .addColumn('reusable', bool, (c) => c.notNull())
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('updated_at', time, (c) => c.notNull())
        .addUniqueConstraint('policies_account_id_id_unique', ['account_id', 'id'])
        .execute();

      await db.schema
        .createTable('apps')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('aud', 'text', (c) => c.notNull().unique())
        .addColumn('target_criteria', json, (c) => c.notNull())
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('updated_at', time, (c) => c.notNull())
        .addUniqueConstraint('apps_account_id_id_unique', ['account_id', 'id'])
        .execute();

      await db.schema
        .createTable('app_policies')
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('policy_id', 'text', (c) => c.notNull())
        .addColumn('precedence', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('app_policies_pk', ['app_id', 'policy_id'])
        .addUniqueConstraint('app_policies_precedence_unique', ['app_id', 'precedence'])
        .addForeignKeyConstraint(
          'app_policies_app_fk',
          ['account_id', 'app_id'],
          'apps',
          ['account_id', 'id'],
          (c) => c.onDelete('cascade'),
        )
        .addForeignKeyConstraint('app_policies_policy_fk', ['account_id', 'policy_id'], 'policies', [
          'account_id',
          'id',
        ])
        .execute();
      await db.schema.createIndex('app_policies_by_policy').on('app_policies').column('policy_id').execute();

      await db.schema
        .createTable('access_groups')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('include', json, (c) => c.notNull())
        .addColumn('require', json, (c) => c.notNull())
        .addColumn('exclude', json, (c) => c.notNull())
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('updated_at', time, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('gateway_cas')
        .addColumn('id', 'text', (c) => c.primaryKey())
        // At most one CA per account.
        .addColumn('account_id', 'text', (c) => c.notNull().unique().references('accounts.id'))
        .addColumn('public_key', 'text', (c) => c.notNull())
        .addColumn('encrypted_private_key', bytes, (c) => c.notNull())
        .addColumn('key_algorithm', 'text', (c) => c.notNull())
        .addColumn('created_at', time, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('audit_ssh_settings')
        .addColumn('account_id', 'text', (c) => c.primaryKey().references('accounts.id'))
        .addColumn('public_key', 'text', (c) => c.notNull())
        .addColumn('seed_id', 'text', (c) => c.notNull())
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('updated_at', time, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('api_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('permissions', json, (c) => c.notNull())
        .addColumn('expires_at', time)
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('last_used_at', time)
        .addColumn('revoked_at', time)
        .execute();

      await db.schema
        .createTable('audit_events')
        .addColumn('seq', pg ? 'bigint' : 'integer', (c) =>
          pg ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey().autoIncrement(),
        )
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('resource_type', 'text', (c) => c.notNull())
        .addColumn('resource_id', 'text')
        .addColumn('before', json)
        .addColumn('after', json)
        .addColumn('created_at', time, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('audit_events_by_account')
        .on('audit_events')
        .columns(['account_id', 'seq'])
        .execute();
    },
  };
}
