// The first start over in-memory fakes of the ports it declares (BootstrapDeps): the process that
// creates the account issues the admin token (every permission, audited in its transaction); a process
// that finds the account already there issues nothing. Over HTTP and SQLite: every test server
// (test/server/support/test-server.ts) starts this way.
import assert from 'node:assert/strict';
import type { ApiTokenRecord } from '../../../server/src/domain/records.js';
import { bootstrap, type BootstrapDeps } from '../../../server/src/app/bootstrap.js';
import type { Repositories } from '../../../server/src/app/ports/store.js';
import { hashApiTokenSecret } from '../../../server/src/domain/api-token-secret.js';
import { ALL_PERMISSIONS } from '../../../server/src/domain/permissions.js';
import { FakeAuditTrail, FakeTransactions, fake, fakeStore } from './fakes.js';

const NOW = new Date('2026-03-04T05:06:07Z');
const ACCOUNT = { id: 'account-1', name: 'default', createdAt: NOW };

function world(created: boolean) {
  const tokens: ApiTokenRecord[] = [];
  const transactions = new FakeTransactions();
  const audit = new FakeAuditTrail(() => NOW, transactions);
  const deps: BootstrapDeps = {
    randomBytes: (length) => new Uint8Array(length).fill(7),
    store: fakeStore(
      {
        accounts: fake<Repositories['accounts']>('accounts', {
          ensureDefaultAccount: async () => ({ account: ACCOUNT, created }),
        }),
        apiTokens: fake<Repositories['apiTokens']>('apiTokens', {
          create: async (accountId, input) => {
            const token: ApiTokenRecord = {
              id: `token-${tokens.length + 1}`,
              accountId,
              ...input,
              createdAt: NOW,
            };
            tokens.push(token);
            return token;
          },
        }),
        auditEvents: audit,
      },
      transactions,
    ),
  };
  return { deps, tokens, audit };
}

describe('app: first start (over fakes)', () => {
  it('issues the admin token with every permission when it created the account, audited', async () => {
    const { deps, tokens, audit } = world(true);
    const { account, adminToken } = await bootstrap(deps);
    assert.equal(account, ACCOUNT);
    assert.deepEqual(tokens, [adminToken!.record]);
    assert.deepEqual(adminToken!.record.permissions, [...ALL_PERMISSIONS]);
    assert.equal(adminToken!.record.name, 'admin');
    assert.equal(adminToken!.record.tokenHash, hashApiTokenSecret(adminToken!.secret));
    assert.deepEqual(audit.actions(), ['api_token.create']);
    assert.equal(audit.events[0]!.actor, 'server:cli');
    assert.equal(audit.events[0]!.inTransaction, true);
  });

  it('issues nothing when the account was already there', async () => {
    const { deps, tokens, audit } = world(false);
    const result = await bootstrap(deps);
    assert.deepEqual(result, { account: ACCOUNT });
    assert.deepEqual(tokens, []);
    assert.deepEqual(audit.events, []);
  });
});
