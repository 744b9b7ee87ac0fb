/**
 * Indexes for the address filters within an account (ip_v4, ip_v6, ips, ranges). The pair constraints of
 * 0001 lead with the address too, but SQLite's planner prefers any index that starts with account_id, so
 * these give it one that also narrows by address.
 */
import type { Kysely, Migration } from 'kysely';

export function targetIpIndexes(): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createIndex('targets_by_ipv4')
        .on('targets')
        .columns(['account_id', 'ipv4_key'])
        .execute();
      await db.schema
        .createIndex('targets_by_ipv6')
        .on('targets')
        .columns(['account_id', 'ipv6_key'])
        .execute();
    },
  };
}
