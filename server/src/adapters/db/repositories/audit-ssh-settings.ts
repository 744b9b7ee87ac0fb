import type { AuditSshSettingsRepository } from '../../../app/ports/store.js';
import type { AuditSshSettingsRecord } from '../../../domain/records.js';
import { uniqueViolation } from '../db-errors.js';
import type { AuditSshSettingsTable } from '../schema.js';
import { now, withTransaction, type RepositoryContext } from './context.js';

function toRecord(ctx: RepositoryContext, row: AuditSshSettingsTable): AuditSshSettingsRecord {
  return {
    accountId: row.account_id,
    publicKey: row.public_key,
    seedId: row.seed_id,
    createdAt: ctx.codec.readTime(row.created_at),
    updatedAt: ctx.codec.readTime(row.updated_at),
  };
}

export function auditSshSettingsRepository(ctx: RepositoryContext): AuditSshSettingsRepository {
  const read = async (c: RepositoryContext, accountId: string) => {
    const row = await c.db
      .selectFrom('audit_ssh_settings')
      .selectAll()
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return row === undefined ? undefined : toRecord(c, row);
  };

  const put: AuditSshSettingsRepository['put'] = async (accountId, publicKey) => {
    try {
      return await withTransaction(ctx, async (tx) => {
        const current = await read(tx, accountId);
        const at = tx.codec.time(now(tx));
        if (current === undefined) {
          const row = {
            account_id: accountId,
            public_key: publicKey,
            seed_id: tx.newId(),
            created_at: at,
            updated_at: at,
          };
          await tx.db.insertInto('audit_ssh_settings').values(row).execute();
          return toRecord(tx, row);
        }
        const seedId = current.publicKey === publicKey ? current.seedId : tx.newId();
        await tx.db
          .updateTable('audit_ssh_settings')
          .set({ public_key: publicKey, seed_id: seedId, updated_at: at })
          .where('account_id', '=', accountId)
          .execute();
        return (await read(tx, accountId))!;
      });
    } catch (error) {
      // Two first PUTs at once: the loser retries as an update.
      if (uniqueViolation(error) !== undefined && !ctx.db.isTransaction) return put(accountId, publicKey);
      throw error;
    }
  };

  const rotateSeed: AuditSshSettingsRepository['rotateSeed'] = async (accountId) =>
    withTransaction(ctx, async (tx) => {
      const at = tx.codec.time(now(tx));
      if ((await read(tx, accountId)) === undefined) {
        const row = {
          account_id: accountId,
          public_key: '',
          seed_id: tx.newId(),
          created_at: at,
          updated_at: at,
        };
        await tx.db.insertInto('audit_ssh_settings').values(row).execute();
        return toRecord(tx, row);
      }
      await tx.db
        .updateTable('audit_ssh_settings')
        .set({ seed_id: tx.newId(), updated_at: at })
        .where('account_id', '=', accountId)
        .execute();
      return (await read(tx, accountId))!;
    });

  return { get: (accountId) => read(ctx, accountId), put, rotateSeed };
}
