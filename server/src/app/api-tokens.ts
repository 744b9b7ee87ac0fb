/** API tokens: issue one (the secret is shown once, only its hash is stored) and authenticate a bearer. */
import { LatchkeyError } from '@latchkey/shared';
import { formatApiTokenSecret, hashApiTokenSecret } from '../domain/api-token-secret.js';
import type { Permission } from '../domain/permissions.js';
import type { ApiTokenRecord } from '../domain/records.js';
import { callerOfToken } from './caller.js';
import type { Caller } from './caller.js';
import type { Repositories } from './ports/store.js';
import type { Services } from './services.js';

/** lastUsedAt is refreshed at most this often, so reads do not each cost a write. */
const TOUCH_INTERVAL_MS = 60_000;

export interface IssuedToken {
  record: ApiTokenRecord;
  /** The bearer secret; shown once, never stored. */
  secret: string;
}

export async function issueApiToken(
  services: Services,
  repositories: Repositories,
  accountId: string,
  request: { name: string; permissions: Permission[]; expiresAt?: Date },
): Promise<IssuedToken> {
  if (request.permissions.length === 0) {
    throw new LatchkeyError('invalid_argument', 'a token needs at least one permission', {
      pointer: '--permission',
    });
  }
  const secret = formatApiTokenSecret(services.randomBytes(32));
  const record = await repositories.apiTokens.create(accountId, {
    name: request.name,
    tokenHash: hashApiTokenSecret(secret),
    permissions: [...new Set(request.permissions)],
    ...(request.expiresAt === undefined ? {} : { expiresAt: request.expiresAt }),
  });
  await repositories.auditEvents.append(accountId, {
    actor: 'server:cli',
    action: 'api_token.create',
    resourceType: 'api_token',
    resourceId: record.id,
    after: { id: record.id, name: record.name, permissions: record.permissions },
  });
  return { record, secret };
}

/**
 * The caller behind `Authorization: Bearer <secret>`. Missing, unknown, expired and revoked tokens are
 * all `unauthenticated`, with a message that says which (none of them reveals anything about others).
 */
export async function authenticate(services: Services, authorization: string | undefined): Promise<Caller> {
  if (authorization === undefined || authorization.trim() === '') {
    throw new LatchkeyError('unauthenticated', 'missing API token: send "Authorization: Bearer <token>"');
  }
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization);
  if (match === null || match[1] === undefined) {
    throw new LatchkeyError('unauthenticated', 'malformed Authorization header: expected "Bearer <token>"');
  }
  const token = await services.store.apiTokens.findByHash(hashApiTokenSecret(match[1]));
  if (token === undefined) throw new LatchkeyError('unauthenticated', 'invalid API token');
  const now = services.clock();
  if (token.revokedAt !== undefined)
    throw new LatchkeyError('unauthenticated', 'this API token has been revoked');
  if (token.expiresAt !== undefined && token.expiresAt.getTime() <= now.getTime()) {
    throw new LatchkeyError('unauthenticated', `this API token expired at ${token.expiresAt.toISOString()}`);
  }
  if (token.lastUsedAt === undefined || now.getTime() - token.lastUsedAt.getTime() > TOUCH_INTERVAL_MS) {
    await services.store.apiTokens.touch(token.id);
  }
  return callerOfToken(token);
}
