/**
 * Tunnel routes (issue 14, connectors): a private network (a canonical CIDR) of one virtual network,
 * reached through one agent. One network per virtual network and account. Both references are to the
 * account's own records (composite foreign keys on (account_id, id)):
 * - the agent: ON DELETE CASCADE. Removing an agent (by an admin, or with its target) removes its routes
 *   in the same statement; the agent's audit event (`agent.delete`) stands for them. Replacing an agent
 *   keeps its id, so its routes stay.
 * - the virtual network: no action. Deleting a network that routes use is refused; the repository
 *   checks first and names the routes (a conflict), the key covers a race.
 * Tunnel lookups read the routes of one virtual network (the unique key's prefix serves them); the
 * account's list is ordered by creation (`tunnel_routes_by_created_at`).
 */
import { sql, type ColumnDataType, type Expression, type Kysely, type Migration } from 'kysely';
import type { DatabaseKind } from '../column-codec.js';

export function tunnelRoutesSchema(kind: DatabaseKind): Migration {
  const pg = kind === 'postgres';
  const time: ColumnDataType | Expression<unknown> = pg ? sql`timestamptz(3)` : 'text';

  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      // The parent key of the agent reference: agents' id is unique already, so this is too.
      await db.schema
        .createIndex('agents_account_id_id_unique')
        .on('agents')
        .columns(['account_id', 'id'])
        .unique()
        .execute();

      await db.schema
        .createTable('tunnel_routes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('network', 'text', (c) => c.notNull())
        .addColumn('agent_id', 'text', (c) => c.notNull())
        .addColumn('virtual_network_id', 'text', (c) => c.notNull())
        .addColumn('comment', 'text', (c) => c.notNull())
        .addColumn('created_at', time, (c) => c.notNull())
        .addUniqueConstraint('tunnel_routes_network_unique', ['account_id', 'virtual_network_id', 'network'])
        .addForeignKeyConstraint(
          'tunnel_routes_agent_fk',
          ['account_id', 'agent_id'],
          'agents',
          ['account_id', 'id'],
          (fk) => fk.onDelete('cascade'),
        )
        .addForeignKeyConstraint(
          'tunnel_routes_vnet_fk',
          ['account_id', 'virtual_network_id'],
          'virtual_networks',
          ['account_id', 'id'],
        )
        .execute();
      await db.schema
        .createIndex('tunnel_routes_by_created_at')
        .on('tunnel_routes')
        .columns(['account_id', 'created_at', 'id'])
        .execute();
      // The cascade from agents looks routes up by agent.
      await db.schema
        .createIndex('tunnel_routes_by_agent')
        .on('tunnel_routes')
        .columns(['account_id', 'agent_id'])
        .execute();
    },
  };
}
