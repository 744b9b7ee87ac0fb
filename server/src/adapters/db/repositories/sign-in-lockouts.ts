import type { SignInLockoutRepository } from '../../../app/ports/store.js';
import { withTransaction, type RepositoryContext } from './context.js';

export function signInLockoutRepository(ctx: RepositoryContext): SignInLockoutRepository {
  return {
    admit: (accountId, subject, now, lockFor) =>
      withTransaction(ctx, async (tx) => {
        const { db, codec } = tx;
        await db
          .insertInto('sign_in_lockouts')
          .values({
            account_id: accountId,
            subject,
            failures: 0,
            locked_until: null,
            updated_at: codec.time(now),
          })
          .onConflict((oc) => oc.columns(['account_id', 'subject']).doNothing())
          .execute();
        // The row is locked until the transaction ends (PostgreSQL); SQLite runs one write at a time.
        let query = db
          .selectFrom('sign_in_lockouts')
          .select(['failures', 'locked_until'])
          .where('account_id', '=', accountId)
          .where('subject', '=', subject);
        if (tx.kind === 'postgres') query = query.forUpdate();
        const row = await query.executeTakeFirstOrThrow();
        const lockedUntil = codec.readOptionalTime(row.locked_until);
        if (lockedUntil !== undefined && lockedUntil.getTime() > now.getTime()) {
          return { admitted: false, lockedUntil };
        }
        const failures = Number(row.failures) + 1;
        const delay = lockFor(failures);
        const until = delay > 0 ? new Date(now.getTime() + delay) : undefined;
        await db
          .updateTable('sign_in_lockouts')
          .set({
            failures,
            locked_until: until === undefined ? null : codec.time(until),
            updated_at: codec.time(now),
          })
          .where('account_id', '=', accountId)
          .where('subject', '=', subject)
          .execute();
        return { admitted: true, failures, ...(until === undefined ? {} : { lockedUntil: until }) };
      }),
    async reset(accountId, subject) {
      await ctx.db
        .deleteFrom('sign_in_lockouts')
        .where('account_id', '=', accountId)
        .where('subject', '=', subject)
        .execute();
    },
  };
}
