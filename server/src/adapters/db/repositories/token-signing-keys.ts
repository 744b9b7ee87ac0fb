import type { TokenSigningKeyRepository } from '../../../app/ports/store.js';
import type { TokenSigningKeyRecord } from '../../../domain/records.js';
import type { TokenSigningKeysTable } from '../schema.js';
import { now, type RepositoryContext } from './context.js';

function toRecord(ctx: RepositoryContext, row: TokenSigningKeysTable): TokenSigningKeyRecord {
  return {
    id: row.id,
    encryptedPrivateKey: new Uint8Array(row.encrypted_private_key),
    publicKey: row.public_key,
    createdAt: ctx.codec.readTime(row.created_at),
  };
}

export function tokenSigningKeyRepository(ctx: RepositoryContext): TokenSigningKeyRepository {
  const { db, codec } = ctx;
  const get = async () => {
    const row = await db
      .selectFrom('token_signing_keys')
      .selectAll()
      .where('singleton', '=', 1)
      .executeTakeFirst();
    return row === undefined ? undefined : toRecord(ctx, row);
  };
  return {
    get,
    async createIfAbsent(input) {
      // Two server processes starting together on one PostgreSQL may both try: the UNIQUE singleton
      // lets exactly one insert win, and both then use the winner's key.
      await db
        .insertInto('token_signing_keys')
        .values({
          id: ctx.newId(),
          singleton: 1,
          encrypted_private_key: input.encryptedPrivateKey,
          public_key: input.publicKey,
          created_at: codec.time(now(ctx)),
        })
        .onConflict((conflict) => conflict.column('singleton').doNothing())
        .execute();
      const stored = await get();
      if (stored === undefined) throw new Error('token signing key vanished after insert');
      return stored;
    },
  };
}
