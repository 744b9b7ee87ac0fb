/**
 * Upstream identities (issue 13, "upstream identity is the email string"): people who sign in through an
 * OIDC provider are keyed by (issuer, subject), with the email they were seen with. An email belongs to
 * one identity: the first to sign in with it, or a built-in account. Another identity with the same email
 * (from another provider, or a new subject at the same one) is refused unless an admin links it
 * (`linked`, `latchkey-server user link`). At most one unlinked identity per email (a partial unique
 * index), so two first sign-ins at once cannot both claim it.
 */
import { sql, type ColumnDataType, type Expression, type Kysely, type Migration } from 'kysely';
import type { DatabaseKind } from '../column-codec.js';

export function upstreamIdentitiesSchema(kind: DatabaseKind): Migration {
  const pg = kind === 'postgres';
  const time: ColumnDataType | Expression<unknown> = pg ? sql`timestamptz(3)` : 'text';
  const bool: ColumnDataType = pg ? 'boolean' : 'integer';

  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('upstream_identities')
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('issuer', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('provider_id', 'text', (c) => c.notNull())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('linked', bool, (c) => c.notNull())
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('last_seen_at', time)
        .addPrimaryKeyConstraint('upstream_identities_pk', ['account_id', 'issuer', 'subject'])
        .execute();
      await sql
        .raw(
          `create unique index upstream_identities_one_unlinked_per_email on upstream_identities ` +
            `(account_id, email) where linked = ${pg ? 'false' : '0'}`,
        )
        .execute(db);
      await db.schema
        .createIndex('upstream_identities_by_email')
        .on('upstream_identities')
        .columns(['account_id', 'email'])
        .execute();
    },
  };
}
