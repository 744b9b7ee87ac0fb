import type { HostCaRepository } from '../../../app/ports/store.js';
import type { HostCaRecord } from '../../../domain/records.js';
import { uniqueViolation } from '../db-errors.js';
import type { HostCasTable } from '../schema.js';
import { now, type RepositoryContext } from './context.js';

function toRecord(ctx: RepositoryContext, row: HostCasTable): HostCaRecord {
  return {
    accountId: row.account_id,
    publicKey: row.public_key,
    // Both drivers return a Buffer; a plain Uint8Array compares the same either way.
    encryptedPrivateKey: new Uint8Array(row.encrypted_private_key),
    keyAlgorithm: row.key_algorithm,
    createdAt: ctx.codec.readTime(row.created_at),
  };
}

export function hostCaRepository(ctx: RepositoryContext): HostCaRepository {
  const get = async (accountId: string) => {
    const row = await ctx.db
      .selectFrom('host_cas')
      .selectAll()
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return row === undefined ? undefined : toRecord(ctx, row);
  };
  return {
    get,
    async createIfAbsent(accountId, input) {
      const row: HostCasTable = {
        account_id: accountId,
        public_key: input.publicKey,
        encrypted_private_key: Buffer.from(input.encryptedPrivateKey),
        key_algorithm: input.keyAlgorithm,
        created_at: ctx.codec.time(now(ctx)),
      };
      try {
        await ctx.db.insertInto('host_cas').values(row).execute();
        return toRecord(ctx, row);
      } catch (error) {
        // account_id is the primary key: another server made it first; theirs is the one.
        if (uniqueViolation(error) === undefined) throw error;
        const stored = await get(accountId);
        if (stored === undefined) throw error;
        return stored;
      }
    },
  };
}
