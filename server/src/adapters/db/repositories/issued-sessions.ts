import { LatchkeyError } from '@latchkey/shared';
import type { IssuedSessionRepository } from '../../../app/ports/store.js';
import type { IssuedSessionRecord } from '../../../domain/records.js';
import { uniqueViolation } from '../db-errors.js';
import type { IssuedSessionsTable } from '../schema.js';
import type { RepositoryContext } from './context.js';
import { precompiledQuery } from './precompiled-query.js';

/** Every session-log upload reads one (compiled once). */
const issuedSession = precompiledQuery(2, (db, accountId, sessionId) =>
  db
    .selectFrom('issued_sessions')
    .selectAll()
    .where('account_id', '=', accountId!)
    .where('session_id', '=', sessionId!),
);

function toRecord(ctx: RepositoryContext, row: IssuedSessionsTable): IssuedSessionRecord {
  const { codec } = ctx;
  return {
    accountId: row.account_id,
    sessionId: row.session_id,
    targetId: row.target_id,
    targetHostname: row.target_hostname,
    person: row.person,
    ...(row.user_id === null ? {} : { userId: row.user_id }),
    username: row.username,
    signInSessionId: row.sign_in_session_id,
    serial: row.serial,
    boundToTarget: codec.readBool(row.bound_to_target),
    issuedAt: codec.readTime(row.issued_at),
    validBefore: codec.readTime(row.valid_before),
  };
}

export function issuedSessionRepository(ctx: RepositoryContext): IssuedSessionRepository {
  const { db, codec } = ctx;
  return {
    async record(input) {
      try {
        await db
          .insertInto('issued_sessions')
          .values({
            account_id: input.accountId,
            session_id: input.sessionId,
            target_id: input.targetId,
            target_hostname: input.targetHostname,
            person: input.person.toLowerCase(),
            user_id: input.userId ?? null,
            username: input.username,
            sign_in_session_id: input.signInSessionId,
            serial: input.serial,
            bound_to_target: codec.bool(input.boundToTarget),
            issued_at: codec.time(input.issuedAt),
            valid_before: codec.time(input.validBefore),
          })
          .execute();
      } catch (error) {
        if (uniqueViolation(error) !== undefined) {
          throw new LatchkeyError('conflict', `session ${input.sessionId} has already been issued`, {
            cause: error,
          });
        }
        throw error;
      }
    },
    async get(accountId, sessionId) {
      const [row] = await issuedSession(ctx, accountId, sessionId);
      return row === undefined ? undefined : toRecord(ctx, row);
    },
  };
}
