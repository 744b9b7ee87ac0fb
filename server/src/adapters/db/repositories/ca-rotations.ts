import { LatchkeyError } from '@latchkey/shared';
import type { CaRotationRepository } from '../../../app/ports/store.js';
import type { CaRotationPhase, CaRotationRecord } from '../../../domain/records.js';
import { uniqueViolation } from '../db-errors.js';
import type { GatewayCaRotationsTable } from '../schema.js';
import { withTransaction, type RepositoryContext } from './context.js';

function toRecord(ctx: RepositoryContext, row: GatewayCaRotationsTable): CaRotationRecord {
  return {
    accountId: row.account_id,
    phase: row.phase as CaRotationPhase,
    next: {
      id: row.next_id,
      publicKey: row.next_public_key,
      // Both drivers return a Buffer; a plain Uint8Array compares the same either way.
      encryptedPrivateKey: new Uint8Array(row.next_encrypted_private_key),
      keyAlgorithm: row.next_key_algorithm,
    },
    startedAt: ctx.codec.readTime(row.started_at),
    ...(row.switched_at === null ? {} : { switchedAt: ctx.codec.readTime(row.switched_at) }),
    ...(row.retire_after === null ? {} : { retireAfter: ctx.codec.readTime(row.retire_after) }),
  };
}

export function caRotationRepository(ctx: RepositoryContext): CaRotationRepository {
  const get = async (c: RepositoryContext, accountId: string) => {
    const row = await c.db
      .selectFrom('gateway_ca_rotations')
      .selectAll()
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return row === undefined ? undefined : toRecord(c, row);
  };
  return {
    get: (accountId) => get(ctx, accountId),

    async create(accountId, input) {
      const row: GatewayCaRotationsTable = {
        account_id: accountId,
        phase: 'init',
        next_id: input.next.id,
        next_public_key: input.next.publicKey,
        next_encrypted_private_key: Buffer.from(input.next.encryptedPrivateKey),
        next_key_algorithm: input.next.keyAlgorithm,
        started_at: ctx.codec.time(input.startedAt),
        switched_at: null,
        retire_after: null,
      };
      try {
        await ctx.db.insertInto('gateway_ca_rotations').values(row).execute();
      } catch (error) {
        // account_id is the primary key: the database decides, even between two server processes.
        if (uniqueViolation(error) !== undefined) {
          throw new LatchkeyError('conflict', 'a CA rotation is already under way for this account', {
            cause: error,
          });
        }
        throw error;
      }
      return toRecord(ctx, row);
    },

    async switchToNext(accountId, at, retireAfter) {
      return withTransaction(ctx, async (tx) => {
        const updated = await tx.db
          .updateTable('gateway_ca_rotations')
          .set({
            phase: 'update_clients',
            switched_at: tx.codec.time(at),
            retire_after: tx.codec.time(retireAfter),
          })
          .where('account_id', '=', accountId)
          .where('phase', '=', 'init')
          .executeTakeFirst();
        return Number(updated.numUpdatedRows) === 0 ? undefined : get(tx, accountId);
      });
    },

    async deleteInPhase(accountId, phase) {
      return withTransaction(ctx, async (tx) => {
        const found = await get(tx, accountId);
        if (found?.phase !== phase) return undefined;
        const deleted = await tx.db
          .deleteFrom('gateway_ca_rotations')
          .where('account_id', '=', accountId)
          .where('phase', '=', phase)
          .executeTakeFirst();
        return Number(deleted.numDeletedRows) === 1 ? found : undefined;
      });
    },
  };
}
