/**
 * Agents by target: a certificate request for a recorded session reads the target's agents (the
 * recorder command each reports), so that read must not scan every agent of the account.
 */
import type { Kysely, Migration } from 'kysely';

export function agentsByTarget(): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createIndex('agents_by_target')
        .on('agents')
        .columns(['account_id', 'target_id'])
        .execute();
    },
  };
}
