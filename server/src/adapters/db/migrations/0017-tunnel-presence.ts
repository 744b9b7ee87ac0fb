/**
 * Tunnel presence (issue 14, several servers): which server processes are alive, where their peers and
 * agents reach them, and which agents hold a link to each. Rows are the truth; a server whose heartbeat is
 * older than a few seconds is ignored by the readers and removed by the next server that notices
 * (app/tunnel/tunnel-presence.ts), its links with it (ON DELETE CASCADE). A server that stops cleanly
 * removes its own rows.
 *
 * - `tunnel_servers`: one row per running process (`id` is drawn at each start).
 * - `tunnel_agent_links`: one row per (server, agent) link. Not a reference to `agents`: a removed agent's
 *   link is closed by the server that holds it, which deletes the row; readers re-check the agent anyway.
 * - `tunnel_peer_keys`: the one secret that authenticates server-to-server requests (domain/tunnel-peering.ts),
 *   sealed with the CA encryption key the servers share, so a copy of the database alone does not give it.
 */
import { sql, type ColumnDataType, type Expression, type Kysely, type Migration } from 'kysely';
import type { DatabaseKind } from '../column-codec.js';

export function tunnelPresenceSchema(kind: DatabaseKind): Migration {
  const pg = kind === 'postgres';
  const time: ColumnDataType | Expression<unknown> = pg ? sql`timestamptz(3)` : 'text';
  const bytes: ColumnDataType = pg ? 'bytea' : 'blob';

  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('tunnel_servers')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('peer_url', 'text', (c) => c.notNull())
        .addColumn('tunnel_url', 'text', (c) => c.notNull())
        .addColumn('started_at', time, (c) => c.notNull())
        .addColumn('heartbeat_at', time, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('tunnel_servers_by_heartbeat')
        .on('tunnel_servers')
        .columns(['heartbeat_at'])
        .execute();

      await db.schema
        .createTable('tunnel_agent_links')
        .addColumn('server_id', 'text', (c) =>
          c.notNull().references('tunnel_servers.id').onDelete('cascade'),
        )
        .addColumn('agent_id', 'text', (c) => c.notNull())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('connected_at', time, (c) => c.notNull())
        .addPrimaryKeyConstraint('tunnel_agent_links_pk', ['server_id', 'agent_id'])
        .execute();
      await db.schema
        .createIndex('tunnel_agent_links_by_agent')
        .on('tunnel_agent_links')
        .columns(['agent_id'])
        .execute();

      await db.schema
        .createTable('tunnel_peer_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('sealed_secret', bytes, (c) => c.notNull())
        .addColumn('created_at', time, (c) => c.notNull())
        .execute();
    },
  };
}
