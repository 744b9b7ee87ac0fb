import { LatchkeyError } from '@latchkey/shared';
import { GATEWAY_CA_ALREADY_EXISTS, type GatewayCaRepository } from '../../../app/ports/store.js';
import type { GatewayCaRecord } from '../../../domain/records.js';
import { uniqueViolation } from '../db-errors.js';
import type { GatewayCasTable } from '../schema.js';
import { now, withTransaction, type RepositoryContext } from './context.js';

function toRecord(ctx: RepositoryContext, row: GatewayCasTable): GatewayCaRecord {
  return {
    id: row.id,
    accountId: row.account_id,
    publicKey: row.public_key,
    // Both drivers return a Buffer; copy into a plain Uint8Array so records compare the same either way.
    encryptedPrivateKey: new Uint8Array(row.encrypted_private_key),
    keyAlgorithm: row.key_algorithm,
    createdAt: ctx.codec.readTime(row.created_at),
  };
}

export function gatewayCaRepository(ctx: RepositoryContext): GatewayCaRepository {
  const { db } = ctx;
  const select = (c: RepositoryContext, accountId: string) =>
    c.db.selectFrom('gateway_cas').selectAll().where('account_id', '=', accountId);

  return {
    async create(accountId, input) {
      const row: GatewayCasTable = {
        id: input.id ?? ctx.newId(),
        account_id: accountId,
        public_key: input.publicKey,
        encrypted_private_key: Buffer.from(input.encryptedPrivateKey),
        key_algorithm: input.keyAlgorithm,
        created_at: ctx.codec.time(now(ctx)),
      };
      try {
        await db.insertInto('gateway_cas').values(row).execute();
      } catch (error) {
        // account_id is UNIQUE: the database decides, even between two server processes.
        if (uniqueViolation(error) !== undefined) {
          throw new LatchkeyError('conflict', GATEWAY_CA_ALREADY_EXISTS, { cause: error });
        }
        throw error;
      }
      return toRecord(ctx, row);
    },

    async get(accountId) {
      const row = await select(ctx, accountId).executeTakeFirst();
      return row === undefined ? undefined : toRecord(ctx, row);
    },

    async list(accountId) {
      const rows = await select(ctx, accountId).orderBy('created_at').execute();
      return rows.map((row) => toRecord(ctx, row));
    },

    async delete(accountId, id) {
      return withTransaction(ctx, async (tx) => {
        const row = await select(tx, accountId).where('id', '=', id).executeTakeFirst();
        if (row === undefined) return undefined;
        await tx.db
          .deleteFrom('gateway_cas')
          .where('account_id', '=', accountId)
          .where('id', '=', id)
          .execute();
        return toRecord(tx, row);
      });
    },
  };
}
