// The API-token use cases over in-memory fakes of the ports they declare (IssueApiTokenDeps,
// AuthenticateDeps, ApiTokensDeps, RotateAdminTokenDeps): a bearer is refused when missing, unknown,
// revoked or expired, and otherwise names its token (a use is recorded at most once a minute); a
// revocation is audited once; an agent's credential is not an admin token here; rotating the admin token
// revokes the previous one. Over HTTP and SQLite: test/server/http/api-tokens.test.ts.
import assert from 'node:assert/strict';
import { LatchkeyError } from '@latchkey/shared';
import {
  authenticate,
  getApiToken,
  issueApiToken,
  revokeApiToken,
  rotateAdminToken,
  type ApiTokensDeps,
  type AuthenticateDeps,
  type RotateAdminTokenDeps,
} from '../../../server/src/app/api-tokens.js';
import type { Caller } from '../../../server/src/app/caller.js';
import type { Repositories } from '../../../server/src/app/ports/store.js';
import { hashApiTokenSecret } from '../../../server/src/domain/api-token-secret.js';
import { AGENT_PERMISSION, ALL_PERMISSIONS } from '../../../server/src/domain/permissions.js';
import type { ApiTokenRecord } from '../../../server/src/domain/records.js';
import { FakeAuditTrail, FakeTransactions, fake, fakeStore } from './fakes.js';

const ACCOUNT = 'account-1';
const NOW = new Date('2026-03-04T05:06:07Z');
const SECRET = 'lk_the-secret';

function token(overrides: Partial<ApiTokenRecord> = {}): ApiTokenRecord {
  return {
    id: 'token-1',
    accountId: ACCOUNT,
    name: 'ci',
    tokenHash: hashApiTokenSecret(SECRET),
    permissions: ['Zero Trust: Edit'],
    createdAt: new Date(NOW.getTime() - 3_600_000),
    ...overrides,
  };
}

function world(initial: ApiTokenRecord[] = []) {
  const tokens = new Map(initial.map((record) => [record.id, record]));
  const touched: string[] = [];
  let bytes = 0;
  const transactions = new FakeTransactions();
  const audit = new FakeAuditTrail(() => NOW, transactions);
  const apiTokens = fake<Repositories['apiTokens']>('apiTokens', {
    create: async (accountId, input) => {
      const record: ApiTokenRecord = { id: `token-${tokens.size + 1}`, accountId, ...input, createdAt: NOW };
      tokens.set(record.id, record);
      return record;
    },
    findByHash: async (hash) => [...tokens.values()].find((record) => record.tokenHash === hash),
    get: async (accountId, id) => {
      const record = tokens.get(id);
      return record?.accountId === accountId ? record : undefined;
    },
    revoke: async (accountId, id) => {
      const record = tokens.get(id);
      if (record?.accountId !== accountId) return undefined;
      const revoked = { ...record, revokedAt: record.revokedAt ?? NOW };
      tokens.set(id, revoked);
      return revoked;
    },
    touch: async (id) => {
      touched.push(id);
    },
  });
  const store = fakeStore({ apiTokens, auditEvents: audit }, transactions);
  const deps: AuthenticateDeps & ApiTokensDeps & RotateAdminTokenDeps = {
    store,
    clock: () => NOW,
    randomBytes: (length) => new Uint8Array(length).fill(++bytes),
  };
  return { deps, audit, tokens, touched, transactions };
}

const unauthenticated = (message: string) => (error: unknown) =>
  error instanceof LatchkeyError && error.code === 'unauthenticated' && error.message === message;

describe('app: API-token use cases (over fakes)', () => {
  it('authenticates a bearer as its token, recording a use at most once a minute', async () => {
    const { deps, touched } = world([token({ lastUsedAt: new Date(NOW.getTime() - 61_000) })]);
    const caller = await authenticate(deps, `Bearer ${SECRET}`);
    assert.deepEqual(caller, {
      accountId: ACCOUNT,
      tokenId: 'token-1',
      permissions: ['Zero Trust: Edit'],
      actor: 'token:token-1',
    });
    assert.deepEqual(touched, ['token-1']);
    const fresh = world([token({ lastUsedAt: new Date(NOW.getTime() - 59_000) })]);
    await authenticate(fresh.deps, `bearer  ${SECRET} `);
    assert.deepEqual(fresh.touched, []);
  });

  it('refuses a missing, malformed, unknown, revoked or expired bearer, saying which', async () => {
    const { deps } = world([
      token({ id: 'token-revoked', tokenHash: hashApiTokenSecret('lk_revoked'), revokedAt: NOW }),
      token({ id: 'token-expired', tokenHash: hashApiTokenSecret('lk_expired'), expiresAt: NOW }),
    ]);
    await assert.rejects(
      authenticate(deps, undefined),
      unauthenticated('missing API token: send "Authorization: Bearer <token>"'),
    );
    await assert.rejects(
      authenticate(deps, `Basic ${SECRET}`),
      unauthenticated('malformed Authorization header: expected "Bearer <token>"'),
    );
    await assert.rejects(authenticate(deps, `Bearer ${SECRET}`), unauthenticated('invalid API token'));
    await assert.rejects(
      authenticate(deps, 'Bearer lk_revoked'),
      unauthenticated('this API token has been revoked'),
    );
    await assert.rejects(
      authenticate(deps, 'Bearer lk_expired'),
      unauthenticated(`this API token expired at ${NOW.toISOString()}`),
    );
  });

  it('refuses to issue a token without permissions, storing nothing', async () => {
    const { deps, tokens, audit } = world();
    await assert.rejects(
      issueApiToken(deps, deps.store, ACCOUNT, { name: 'none', permissions: [] }),
      (error: unknown) => error instanceof LatchkeyError && error.code === 'invalid_argument',
    );
    assert.equal(tokens.size, 0);
    assert.deepEqual(audit.events, []);
  });

  it('revokes a token once (a second revocation writes no event); an agent credential is not found', async () => {
    const agentToken = token({
      id: 'token-agent',
      tokenHash: hashApiTokenSecret('lk_agent'),
      permissions: [AGENT_PERMISSION],
    });
    const { deps, audit } = world([token(), agentToken]);
    const admin: Caller = await authenticate(deps, `Bearer ${SECRET}`);
    const revoked = await revokeApiToken(deps, admin, 'token-1');
    assert.deepEqual(revoked.revokedAt, NOW);
    await revokeApiToken(deps, admin, 'token-1');
    assert.deepEqual(audit.actions(), ['api_token.revoke']);
    assert.equal(audit.events[0]!.actor, 'token:token-1');
    assert.equal(audit.events[0]!.inTransaction, true);
    for (const attempt of [getApiToken, revokeApiToken]) {
      await assert.rejects(
        attempt(deps, admin, 'token-agent'),
        (error: unknown) =>
          error instanceof LatchkeyError &&
          error.code === 'not_found' &&
          error.message.includes("is an agent's credential"),
      );
    }
  });

  it('rotates the admin token: a new one with every permission, the previous one revoked', async () => {
    const { deps, audit, tokens, transactions } = world([token({ permissions: [...ALL_PERMISSIONS] })]);
    const { issued, revoked } = await rotateAdminToken(deps, ACCOUNT, `${SECRET}\n`);
    assert.equal(revoked?.id, 'token-1');
    assert.ok(tokens.get('token-1')!.revokedAt);
    assert.deepEqual(issued.record.permissions, [...ALL_PERMISSIONS]);
    assert.equal(issued.record.tokenHash, hashApiTokenSecret(issued.secret));
    assert.ok(issued.secret.startsWith('lk_'));
    assert.deepEqual(audit.actions(), ['api_token.create', 'api_token.rotate_admin']);
    assert.deepEqual(audit.events[1]!.after, { id: issued.record.id, revoked_token_id: 'token-1' });
    assert.ok(audit.events.every((event) => event.inTransaction));
    assert.equal(transactions.run, 1);
    const again = await rotateAdminToken(deps, ACCOUNT, 'lk_unknown');
    assert.equal(again.revoked, undefined);
  });
});
