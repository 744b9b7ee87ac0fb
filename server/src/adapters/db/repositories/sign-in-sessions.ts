import type { SignInSessionRepository } from '../../../app/ports/store.js';
import type { JsonObject, SignInSessionRecord } from '../../../domain/records.js';
import type { SignInSessionsTable } from '../schema.js';
import { now, withTransaction, type RepositoryContext } from './context.js';
import { precompiledQuery } from './precompiled-query.js';

/** Every request's session check (compiled once: it runs on each authenticated request). */
const sessionWithAccountState = precompiledQuery(1, (db, id) =>
  db
    .selectFrom('sign_in_sessions')
    .leftJoin('users', 'users.id', 'sign_in_sessions.user_id')
    .selectAll('sign_in_sessions')
    .select(['users.id as account_user_id', 'users.disabled_at as account_disabled_at'])
    .where('sign_in_sessions.id', '=', id!),
);

function toRecord(ctx: RepositoryContext, row: SignInSessionsTable): SignInSessionRecord {
  const { codec } = ctx;
  const refreshedAt = codec.readOptionalTime(row.refreshed_at);
  const revokedAt = codec.readOptionalTime(row.revoked_at);
  return {
    id: row.id,
    accountId: row.account_id,
    ...(row.user_id === null ? {} : { userId: row.user_id }),
    email: row.email,
    groups: codec.readJson(row.groups) as string[],
    loginMethod: row.login_method,
    authMethods: codec.readJson(row.auth_methods) as string[],
    claims: codec.readJson(row.claims) as JsonObject,
    clientId: row.client_id,
    refreshTokenHash: row.refresh_token_hash,
    refreshExpiresAt: codec.readTime(row.refresh_expires_at),
    createdAt: codec.readTime(row.created_at),
    ...(refreshedAt === undefined ? {} : { refreshedAt }),
    ...(revokedAt === undefined ? {} : { revokedAt }),
  };
}

export function signInSessionRepository(ctx: RepositoryContext): SignInSessionRepository {
  const { db, codec } = ctx;
  const findBy = async (column: 'id' | 'refresh_token_hash', value: string) => {
    const row = await db
      .selectFrom('sign_in_sessions')
      .selectAll()
      .where(column, '=', value)
      .executeTakeFirst();
    return row === undefined ? undefined : toRecord(ctx, row);
  };

  const revokeWhere = (accountId: string, column: 'user_id' | 'email', value: string) =>
    withTransaction(ctx, async (tx) => {
      const rows = await tx.db
        .selectFrom('sign_in_sessions')
        .select('id')
        .where('account_id', '=', accountId)
        .where(column, '=', value)
        .where('revoked_at', 'is', null)
        .execute();
      const ids = rows.map((row) => row.id);
      for (let start = 0; start < ids.length; start += 500) {
        await tx.db
          .updateTable('sign_in_sessions')
          .set({ revoked_at: tx.codec.time(now(tx)) })
          .where('id', 'in', ids.slice(start, start + 500))
          .where('revoked_at', 'is', null)
          .execute();
      }
      return ids;
    });

  return {
    async create(accountId, input) {
      const row: SignInSessionsTable = {
        id: ctx.newId(),
        account_id: accountId,
        user_id: input.userId ?? null,
        email: input.email,
        groups: codec.json(input.groups),
        login_method: input.loginMethod,
        auth_methods: codec.json(input.authMethods),
        claims: codec.json(input.claims),
        client_id: input.clientId,
        refresh_token_hash: input.refreshTokenHash,
        refresh_expires_at: codec.time(input.refreshExpiresAt),
        created_at: codec.time(now(ctx)),
        refreshed_at: null,
        revoked_at: null,
      };
      return toRecord(
        ctx,
        await db.insertInto('sign_in_sessions').values(row).returningAll().executeTakeFirstOrThrow(),
      );
    },

    get: (id) => findBy('id', id),

    async getWithAccountState(id) {
      const [row] = await sessionWithAccountState(ctx, id);
      if (row === undefined) return undefined;
      const { account_user_id: userId, account_disabled_at: disabledAt, ...sessionRow } = row;
      const account =
        sessionRow.user_id === null
          ? 'none'
          : userId === null
            ? 'missing'
            : disabledAt === null
              ? 'enabled'
              : 'disabled';
      return { session: toRecord(ctx, sessionRow), account };
    },
    findByRefreshHash: (hash) => findBy('refresh_token_hash', hash),

    rotateRefreshToken: (id, currentHash, next) =>
      withTransaction(ctx, async (tx) => {
        const at = tx.codec.time(now(tx));
        const result = await tx.db
          .updateTable('sign_in_sessions')
          .set({
            refresh_token_hash: next.refreshTokenHash,
            refresh_expires_at: tx.codec.time(next.refreshExpiresAt),
            refreshed_at: at,
          })
          .where('id', '=', id)
          .where('refresh_token_hash', '=', currentHash)
          .where('revoked_at', 'is', null)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) !== 1) return false;
        // The rotated-away token is remembered: presented again, it is recognised as a replay.
        await tx.db
          .insertInto('retired_refresh_tokens')
          .values({ refresh_token_hash: currentHash, session_id: id, retired_at: at })
          .onConflict((oc) => oc.column('refresh_token_hash').doNothing())
          .execute();
        return true;
      }),

    async findByRetiredRefreshHash(hash) {
      const row = await db
        .selectFrom('retired_refresh_tokens')
        .innerJoin('sign_in_sessions', 'sign_in_sessions.id', 'retired_refresh_tokens.session_id')
        .selectAll('sign_in_sessions')
        .where('retired_refresh_tokens.refresh_token_hash', '=', hash)
        .executeTakeFirst();
      return row === undefined ? undefined : toRecord(ctx, row);
    },

    async revoke(id) {
      const result = await db
        .updateTable('sign_in_sessions')
        .set({ revoked_at: codec.time(now(ctx)) })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    revokeAllOfUser: (accountId, userId) => revokeWhere(accountId, 'user_id', userId),
    revokeAllOfEmail: (accountId, email) => revokeWhere(accountId, 'email', email.toLowerCase()),
  };
}
