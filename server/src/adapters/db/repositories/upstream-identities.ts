import { LatchkeyError } from '@latchkey/shared';
import type { UpstreamIdentityRepository } from '../../../app/ports/store.js';
import type { UpstreamIdentityRecord } from '../../../domain/records.js';
import { uniqueViolation } from '../db-errors.js';
import type { UpstreamIdentitiesTable } from '../schema.js';
import { now, withTransaction, type RepositoryContext } from './context.js';

function toRecord(ctx: RepositoryContext, row: UpstreamIdentitiesTable): UpstreamIdentityRecord {
  const lastSeenAt = ctx.codec.readOptionalTime(row.last_seen_at);
  return {
    accountId: row.account_id,
    issuer: row.issuer,
    subject: row.subject,
    providerId: row.provider_id,
    email: row.email,
    linked: ctx.codec.readBool(row.linked),
    createdAt: ctx.codec.readTime(row.created_at),
    ...(lastSeenAt === undefined ? {} : { lastSeenAt }),
  };
}

export function upstreamIdentityRepository(ctx: RepositoryContext): UpstreamIdentityRepository {
  const get = async (c: RepositoryContext, accountId: string, issuer: string, subject: string) => {
    const row = await c.db
      .selectFrom('upstream_identities')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('issuer', '=', issuer)
      .where('subject', '=', subject)
      .executeTakeFirst();
    return row === undefined ? undefined : toRecord(c, row);
  };
  return {
    get: (accountId, issuer, subject) => get(ctx, accountId, issuer, subject),
    async listByEmail(accountId, email) {
      const rows = await ctx.db
        .selectFrom('upstream_identities')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('email', '=', email.toLowerCase())
        .orderBy('created_at')
        .execute();
      return rows.map((row) => toRecord(ctx, row));
    },
    save: (input) =>
      withTransaction(ctx, async (tx) => {
        const { db, codec } = tx;
        const at = codec.time(input.seenAt ?? now(tx));
        const email = input.email.toLowerCase();
        try {
          const existing = await get(tx, input.accountId, input.issuer, input.subject);
          if (existing === undefined) {
            await db
              .insertInto('upstream_identities')
              .values({
                account_id: input.accountId,
                issuer: input.issuer,
                subject: input.subject,
                provider_id: input.providerId,
                email,
                linked: codec.bool(input.linked ?? false),
                created_at: at,
                last_seen_at: input.seenAt === undefined ? null : at,
              })
              .execute();
          } else {
            await db
              .updateTable('upstream_identities')
              .set({
                provider_id: input.providerId,
                email,
                ...(input.linked === undefined ? {} : { linked: codec.bool(input.linked) }),
                ...(input.seenAt === undefined ? {} : { last_seen_at: at }),
              })
              .where('account_id', '=', input.accountId)
              .where('issuer', '=', input.issuer)
              .where('subject', '=', input.subject)
              .execute();
          }
        } catch (error) {
          if (uniqueViolation(error) !== undefined) {
            throw new LatchkeyError('conflict', `another person already signs in with the email ${email}`, {
              cause: error,
            });
          }
          throw error;
        }
        return (await get(tx, input.accountId, input.issuer, input.subject))!;
      }),
  };
}
