import { LatchkeyError } from '@latchkey/shared';
import type { AccountRepository } from '../../../app/ports/store.js';
import type { AccountRecord } from '../../../domain/records.js';
import { uniqueViolation } from '../db-errors.js';
import type { AccountsTable } from '../schema.js';
import { now, withTransaction, type RepositoryContext } from './context.js';
import { precompiledQuery } from './precompiled-query.js';
import { insertVirtualNetwork } from './virtual-networks.js';

/** The access configuration's version, read on every certificate request (compiled once). */
const configVersion = precompiledQuery(0, (db) =>
  db.selectFrom('access_config_version').select('version').where('singleton', '=', 1),
);

export const DEFAULT_ACCOUNT_NAME = 'Latchkey';

export function accountRepository(ctx: RepositoryContext): AccountRepository {
  const { db, codec } = ctx;
  const toRecord = (row: AccountsTable): AccountRecord => ({
    id: row.id,
    name: row.name,
    createdAt: codec.readTime(row.created_at),
  });
  const findDefault = async () =>
    db.selectFrom('accounts').selectAll().where('singleton', '=', 1).executeTakeFirst();

  return {
    async ensureDefaultAccount(name = DEFAULT_ACCOUNT_NAME) {
      const existing = await findDefault();
      if (existing !== undefined) return { account: toRecord(existing), created: false };
      try {
        const account = await withTransaction(ctx, async (tx) => {
          const createdAt = now(tx);
          const row: AccountsTable = {
            // Cloudflare's account ids are 32 lowercase hex characters; accounts made before keep
            // their dashed UUID, which every route still accepts.
            id: tx.newId().replace(/-/g, ''),
            name,
            singleton: 1,
            created_at: codec.time(createdAt),
          };
          await tx.db.insertInto('accounts').values(row).execute();
          await insertVirtualNetwork(tx, row.id, { name: 'default', comment: '', isDefaultNetwork: true });
          return { id: row.id, name, createdAt };
        });
        return { account, created: true };
      } catch (error) {
        // Another server process created it first (the singleton column is UNIQUE): use theirs.
        if (uniqueViolation(error) === undefined || db.isTransaction) throw error;
        const winner = await findDefault();
        if (winner === undefined) throw error;
        return { account: toRecord(winner), created: false };
      }
    },

    async accessConfigVersion() {
      const [row] = await configVersion(ctx);
      if (row === undefined) {
        throw new LatchkeyError('internal', 'the access_config_version row is missing (migration 0003)');
      }
      return String(row.version);
    },

    async list() {
      const rows = await db.selectFrom('accounts').selectAll().orderBy('created_at').orderBy('id').execute();
      return rows.map(toRecord);
    },

    async get(id) {
      const row = await db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toRecord(row);
    },
  };
}
