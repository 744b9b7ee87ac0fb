/**
 * API tokens: issue one (the secret is shown once, only its hash is stored), authenticate a bearer, and
 * the admin's list, read and revocation of the account's tokens. Authentication reads the token from the
 * database on every request (no cache), so a revocation made through any server process refuses the
 * token's very next request everywhere.
 */
import { LatchkeyError } from '@latchkey/shared';
import { formatApiTokenSecret, hashApiTokenSecret } from '../domain/api-token-secret.js';
import { AGENT_PERMISSION, ALL_PERMISSIONS } from '../domain/permissions.js';
import type { Permission } from '../domain/permissions.js';
import type { ApiTokenRecord } from '../domain/records.js';
import { recordChange } from './audit-trail.js';
import { callerOfToken } from './caller.js';
import type { Caller } from './caller.js';
import type { Repositories, StoreOf } from './ports/store.js';
import type { Services } from './services.js';

/** Issuing a token needs randomness for its secret (the repositories are passed apart). */
export type IssueApiTokenDeps = Pick<Services, 'randomBytes'>;

/** Authenticating a bearer reads its token and the time. */
export type AuthenticateDeps = Pick<Services, 'clock'> & { store: Pick<Repositories, 'apiTokens'> };

/** The admin's list, read and revocation of tokens: the tokens and the audit trail. */
export interface ApiTokensDeps {
  store: StoreOf<'apiTokens' | 'auditEvents'>;
}

/** Rotating the admin token issues one and revokes the previous one in a transaction. */
export type RotateAdminTokenDeps = IssueApiTokenDeps & ApiTokensDeps;

/** lastUsedAt is refreshed at most this often, so reads do not each cost a write. */
const TOUCH_INTERVAL_MS = 60_000;

export interface IssuedToken {
  record: ApiTokenRecord;
  /** The bearer secret; shown once, never stored. */
  secret: string;
}

export async function issueApiToken(
  services: IssueApiTokenDeps,
  repositories: Pick<Repositories, 'apiTokens' | 'auditEvents'>,
  accountId: string,
  request: { name: string; permissions: Permission[]; expiresAt?: Date },
  actor = 'server:cli',
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
    actor,
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
export async function authenticate(
  services: AuthenticateDeps,
  authorization: string | undefined,
): Promise<Caller> {
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

/** An agent's credential: managed with its agent (…/latchkey/agents), not as an admin's API token. */
export function isAgentCredential(token: Pick<ApiTokenRecord, 'permissions'>): boolean {
  return token.permissions.includes(AGENT_PERMISSION);
}

/** The account's API tokens (not agents' credentials), oldest first; revoked and expired ones too. */
export async function listApiTokens(services: ApiTokensDeps, caller: Caller): Promise<ApiTokenRecord[]> {
  return (await services.store.apiTokens.list(caller.accountId)).filter((token) => !isAgentCredential(token));
}

export async function getApiToken(
  services: ApiTokensDeps,
  caller: Caller,
  id: string,
): Promise<ApiTokenRecord> {
  return adminToken(await services.store.apiTokens.get(caller.accountId, id), id);
}

/** The token, unless it is missing or an agent's credential (both: not found, saying which). */
function adminToken(token: ApiTokenRecord | undefined, id: string): ApiTokenRecord {
  if (token === undefined) throw new LatchkeyError('not_found', `API token ${id} was not found`);
  if (isAgentCredential(token)) {
    throw new LatchkeyError(
      'not_found',
      `API token ${id} is an agent's credential: remove or replace its agent (…/latchkey/agents/{agent_id})`,
    );
  }
  return token;
}

/**
 * Revokes an API token (idempotent: a second revocation keeps the first time and writes no event). The
 * token is refused from its next request on, on every server process. A token may revoke itself.
 */
export async function revokeApiToken(
  services: ApiTokensDeps,
  caller: Caller,
  id: string,
): Promise<ApiTokenRecord> {
  return services.store.transaction(async (tx) => {
    const before = adminToken(await tx.apiTokens.get(caller.accountId, id), id);
    const after = (await tx.apiTokens.revoke(caller.accountId, id))!;
    if (before.revokedAt === undefined) {
      await recordChange(tx, caller, {
        action: 'api_token.revoke',
        resourceType: 'api_token',
        resourceId: id,
        after: {
          id,
          name: after.name,
          permissions: after.permissions,
          revoked_at: after.revokedAt?.toISOString() ?? null,
        },
      });
    }
    return after;
  });
}

/**
 * A new admin token (every permission) in place of the one whose secret is `previousSecret` (the
 * content of DATA_DIR/admin.token), which is revoked in the same transaction. An unknown, revoked or
 * absent previous secret revokes nothing; the new token is issued all the same.
 */
export async function rotateAdminToken(
  services: RotateAdminTokenDeps,
  accountId: string,
  previousSecret: string | undefined,
  actor = 'server:cli',
): Promise<{ issued: IssuedToken; revoked?: ApiTokenRecord }> {
  const previous =
    previousSecret === undefined || previousSecret.trim() === ''
      ? undefined
      : await services.store.apiTokens.findByHash(hashApiTokenSecret(previousSecret.trim()));
  return services.store.transaction(async (tx) => {
    const issued = await issueApiToken(
      services,
      tx,
      accountId,
      { name: 'admin', permissions: [...ALL_PERMISSIONS] },
      actor,
    );
    let revoked: ApiTokenRecord | undefined;
    if (previous !== undefined && previous.accountId === accountId && previous.revokedAt === undefined) {
      revoked = await tx.apiTokens.revoke(accountId, previous.id);
    }
    await tx.auditEvents.append(accountId, {
      actor,
      action: 'api_token.rotate_admin',
      resourceType: 'api_token',
      resourceId: issued.record.id,
      after: { id: issued.record.id, ...(revoked === undefined ? {} : { revoked_token_id: revoked.id }) },
    });
    return { issued, ...(revoked === undefined ? {} : { revoked }) };
  });
}
