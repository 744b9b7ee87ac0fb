// The reusable-policy use cases over in-memory fakes of the ports they declare (AccessPoliciesDeps): a
// policy is created reusable and audited in the same transaction; a `group` selector naming no group of
// the account is refused before anything is written; an app's inline policy is not addressable here.
// Over HTTP and SQLite: test/server/http/access.test.ts.
import assert from 'node:assert/strict';
import { LatchkeyError, validatePolicyInput } from '@latchkey/shared';
import {
  createPolicy,
  deletePolicy,
  getPolicy,
  type AccessPoliciesDeps,
} from '../../../server/src/app/access-policies.js';
import type { Caller } from '../../../server/src/app/caller.js';
import type { Repositories } from '../../../server/src/app/ports/store.js';
import type { AccessGroupRecord, PolicyRecord } from '../../../server/src/domain/records.js';
import { FakeAuditTrail, FakeTransactions, fake, fakeStore } from './fakes.js';

const ACCOUNT = 'account-1';
const NOW = new Date('2026-03-04T05:06:07Z');
const GROUP_ID = '00000000-0000-4000-8000-000000000001';
const OTHER_GROUP_ID = '00000000-0000-4000-8000-000000000002';
const admin: Caller = {
  accountId: ACCOUNT,
  tokenId: 'token-admin',
  permissions: ['Zero Trust: Edit'],
  actor: 'token:token-admin',
};

const GROUP: AccessGroupRecord = {
  id: GROUP_ID,
  accountId: ACCOUNT,
  name: 'ops',
  include: [{ everyone: {} }],
  require: [],
  exclude: [],
  createdAt: NOW,
  updatedAt: NOW,
};

function world() {
  const policies = new Map<string, PolicyRecord>();
  const transactions = new FakeTransactions();
  const audit = new FakeAuditTrail(() => NOW, transactions);
  const store = fakeStore(
    {
      policies: fake<Repositories['policies']>('policies', {
        create: async (accountId, input) => {
          const policy: PolicyRecord = {
            id: `policy-${policies.size + 1}`,
            accountId,
            name: input.name,
            decision: input.decision,
            include: input.include,
            require: input.require ?? [],
            exclude: input.exclude ?? [],
            reusable: input.reusable,
            createdAt: NOW,
            updatedAt: NOW,
          };
          policies.set(policy.id, policy);
          return policy;
        },
        get: async (accountId, id) => {
          const policy = policies.get(id);
          return policy?.accountId === accountId ? policy : undefined;
        },
        delete: async (accountId, id) => {
          const policy = policies.get(id);
          if (policy?.accountId !== accountId) return undefined;
          policies.delete(id);
          return policy;
        },
      }),
      groups: fake<Repositories['groups']>('groups', {
        get: async (accountId, id) => (accountId === ACCOUNT && id === GROUP_ID ? GROUP : undefined),
      }),
      auditEvents: audit,
    },
    transactions,
  );
  const deps: AccessPoliciesDeps = { store };
  return { deps, audit, policies };
}

const policyOfGroup = (groupId: string) =>
  validatePolicyInput({ name: 'ops only', decision: 'allow', include: [{ group: { id: groupId } }] });

describe('app: reusable-policy use cases (over fakes)', () => {
  it('creates a reusable policy and audits it in the same transaction', async () => {
    const { deps, audit, policies } = world();
    const policy = await createPolicy(deps, admin, policyOfGroup(GROUP_ID));
    assert.equal(policies.get(policy.id), policy);
    assert.equal(policy.reusable, true);
    assert.deepEqual(policy.include, [{ group: { id: GROUP_ID } }]);
    assert.deepEqual(audit.actions(), ['policy.create']);
    assert.equal(audit.events[0]!.resourceId, policy.id);
    assert.equal(audit.events[0]!.inTransaction, true);
  });

  it('refuses a group selector naming no group of the account, pointing at it', async () => {
    const { deps, audit, policies } = world();
    await assert.rejects(
      createPolicy(deps, admin, policyOfGroup(OTHER_GROUP_ID)),
      (error: unknown) =>
        error instanceof LatchkeyError &&
        error.code === 'invalid_argument' &&
        error.message ===
          `/include/0/group/id: access group ${OTHER_GROUP_ID} does not exist in this account`,
    );
    assert.equal(policies.size, 0);
    assert.deepEqual(audit.events, []);
  });

  it("answers not_found for an app's inline policy, and neither reads nor deletes it", async () => {
    const { deps, audit, policies } = world();
    policies.set('policy-inline', {
      id: 'policy-inline',
      accountId: ACCOUNT,
      name: 'inline',
      decision: 'allow',
      include: [],
      require: [],
      exclude: [],
      reusable: false,
      createdAt: NOW,
      updatedAt: NOW,
    });
    for (const attempt of [getPolicy, deletePolicy]) {
      await assert.rejects(
        attempt(deps, admin, 'policy-inline'),
        (error: unknown) => error instanceof LatchkeyError && error.code === 'not_found',
      );
    }
    assert.ok(policies.has('policy-inline'));
    assert.deepEqual(audit.events, []);
  });
});
