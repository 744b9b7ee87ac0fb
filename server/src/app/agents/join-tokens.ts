/**
 * Join tokens: an admin's permission for hosts to enrol as agents. The secret (`lkj_…`) is shown once,
 * only its SHA-256 is stored; each enrolment uses one of its uses (see enroll-agent.ts).
 */
import { DEFAULT_JOIN_TOKEN_MAX_USES, DEFAULT_JOIN_TOKEN_TTL_SECONDS } from '@latchkey/shared';
import type { JoinTokenCreateBody } from '@latchkey/shared';
import { hashApiTokenSecret } from '../../domain/api-token-secret.js';
import type { JoinTokenRecord } from '../../domain/records.js';
import { recordChange } from '../audit-trail.js';
import type { Caller } from '../caller.js';
import { found } from '../not-found.js';
import type { StoreOf } from '../ports/store.js';
import type { Services } from '../services.js';

/** What the join-token use cases need: the tokens, the audit trail, randomness and the time. */
export type JoinTokensDeps = Pick<Services, 'clock' | 'randomBytes'> & {
  store: StoreOf<'joinTokens' | 'auditEvents'>;
};

export const JOIN_TOKEN_PREFIX = 'lkj_';

export function formatJoinTokenSecret(randomBytes: Uint8Array): string {
  if (randomBytes.length < 32) throw new RangeError('a join token needs at least 32 random bytes');
  return JOIN_TOKEN_PREFIX + Buffer.from(randomBytes).toString('base64url');
}

/** The same SHA-256 as API tokens: a 256-bit random secret needs no slow hash. */
export const hashJoinTokenSecret = hashApiTokenSecret;

export async function createJoinToken(
  services: JoinTokensDeps,
  caller: Caller,
  body: JoinTokenCreateBody,
): Promise<{ record: JoinTokenRecord; secret: string }> {
  const secret = formatJoinTokenSecret(services.randomBytes(32));
  const ttlSeconds = body.expires_in_seconds ?? DEFAULT_JOIN_TOKEN_TTL_SECONDS;
  return services.store.transaction(async (tx) => {
    const record = await tx.joinTokens.create(caller.accountId, {
      name: body.name,
      tokenHash: hashJoinTokenSecret(secret),
      maxUses: body.max_uses ?? DEFAULT_JOIN_TOKEN_MAX_USES,
      expiresAt: new Date(services.clock().getTime() + ttlSeconds * 1000),
    });
    await recordChange(tx, caller, {
      action: 'join_token.create',
      resourceType: 'join_token',
      resourceId: record.id,
      after: { name: record.name, max_uses: record.maxUses, expires_at: record.expiresAt.toISOString() },
    });
    return { record, secret };
  });
}

export async function listJoinTokens(services: JoinTokensDeps, caller: Caller): Promise<JoinTokenRecord[]> {
  return services.store.joinTokens.list(caller.accountId);
}

/** Revokes the token: no further enrolment with it. Agents already enrolled keep their credentials. */
export async function revokeJoinToken(
  services: JoinTokensDeps,
  caller: Caller,
  id: string,
): Promise<JoinTokenRecord> {
  return services.store.transaction(async (tx) => {
    const record = found(await tx.joinTokens.revoke(caller.accountId, id), 'join token', id);
    await recordChange(tx, caller, {
      action: 'join_token.revoke',
      resourceType: 'join_token',
      resourceId: id,
      after: { revoked_at: record.revokedAt?.toISOString() ?? null },
    });
    return record;
  });
}
