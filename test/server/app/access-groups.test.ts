// The access-group use cases over in-memory fakes of the ports they declare (AccessGroupsDeps): a group
// is created and audited in the same transaction; a group naming itself is refused; a group still used
// by a policy or by another group is not deleted (409, naming the user). Over HTTP and SQLite:
// test/server/http/access.test.ts.
import assert from 'node:assert/strict';
import { LatchkeyError, validateAccessGroupInput, type AccessGroupInputBody } from '@latchkey/shared';
import {
  createAccessGroup,
  deleteAccessGroup,
  replaceAccessGroup,
  type AccessGroupsDeps,
} from '../../../server/src/app/access-groups.js';
import type { Caller } from '../../../server/src/app/caller.js';
import type { Repositories } from '../../../server/src/app/ports/store.js';
import type { AccessGroupRecord, PolicyRecord } from '../../../server/src/domain/records.js';
import { FakeAuditTrail, FakeTransactions, fake, fakeStore } from './fakes.js';

const ACCOUNT = 'account-1';
const NOW = new Date('2026-03-04T05:06:07Z');
const admin: Caller = {
  accountId: ACCOUNT,
  tokenId: 'token-admin',
  permissions: ['Zero Trust: Edit'],
  actor: 'token:token-admin',
};
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function world() {
  const groups = new Map<string, AccessGroupRecord>();
  const policies: PolicyRecord[] = [];
  const transactions = new FakeTransactions();
  const audit = new FakeAuditTrail(() => NOW, transactions);
  const store = fakeStore(
    {
      groups: fake<Repositories['groups']>('groups', {
        create: async (accountId, input) => {
          const group: AccessGroupRecord = {
            id: uuid(groups.size + 1),
            accountId,
            name: input.name,
            isDefault: input.isDefault ?? false,
            include: input.include,
            require: input.require ?? [],
            exclude: input.exclude ?? [],
            createdAt: NOW,
            updatedAt: NOW,
          };
          groups.set(group.id, group);
          return group;
        },
        get: async (accountId, id) => {
          const group = groups.get(id);
          return group?.accountId === accountId ? group : undefined;
        },
        list: async (accountId) => [...groups.values()].filter((group) => group.accountId === accountId),
        delete: async (accountId, id) => {
          const group = groups.get(id);
          if (group?.accountId !== accountId) return undefined;
          groups.delete(id);
          return group;
        },
      }),
      policies: fake<Repositories['policies']>('policies', {
        list: async (accountId) => policies.filter((policy) => policy.accountId === accountId),
      }),
      auditEvents: audit,
    },
    transactions,
  );
  const deps: AccessGroupsDeps = { store };
  return { deps, audit, groups, policies };
}

function create(deps: AccessGroupsDeps, body: AccessGroupInputBody) {
  return createAccessGroup(deps, admin, body, validateAccessGroupInput(body));
}

const everyone: AccessGroupInputBody = { name: 'everyone', include: [{ everyone: {} }] };

describe('app: access-group use cases (over fakes)', () => {
  it('creates a group and audits it in the same transaction', async () => {
    const { deps, audit, groups } = world();
    const group = await create(deps, everyone);
    assert.equal(groups.get(group.id), group);
    assert.equal(group.isDefault, false);
    assert.deepEqual(audit.actions(), ['access_group.create']);
    assert.equal(audit.events[0]!.resourceId, group.id);
    assert.equal(audit.events[0]!.inTransaction, true);
  });

  it('refuses a group that names itself, and changes nothing', async () => {
    const { deps, audit, groups } = world();
    const group = await create(deps, everyone);
    const body: AccessGroupInputBody = { name: 'loop', include: [{ group: { id: group.id } }] };
    await assert.rejects(
      replaceAccessGroup(deps, admin, group.id, body, validateAccessGroupInput(body)),
      (error: unknown) =>
        error instanceof LatchkeyError &&
        error.code === 'invalid_argument' &&
        error.message === '/include/0/group/id: a group cannot refer to itself',
    );
    assert.equal(groups.get(group.id)!.name, 'everyone');
    assert.deepEqual(audit.actions(), ['access_group.create']);
  });

  it('refuses to delete a group a policy or another group still uses (409), then deletes it', async () => {
    const { deps, audit, groups, policies } = world();
    const group = await create(deps, everyone);
    const user = await create(deps, { name: 'user', include: [{ group: { id: group.id } }] });
    policies.push({
      id: 'policy-1',
      accountId: ACCOUNT,
      name: 'ops',
      decision: 'allow',
      include: [],
      require: [{ group: { id: group.id } }],
      exclude: [],
      reusable: true,
      createdAt: NOW,
      updatedAt: NOW,
    });
    await assert.rejects(
      deleteAccessGroup(deps, admin, group.id),
      (error: unknown) =>
        error instanceof LatchkeyError &&
        error.code === 'conflict' &&
        error.message === `access group ${group.id} is still used by policy policy-1 (ops)`,
    );
    policies.length = 0;
    await assert.rejects(
      deleteAccessGroup(deps, admin, group.id),
      (error: unknown) =>
        error instanceof LatchkeyError &&
        error.code === 'conflict' &&
        error.message === `access group ${group.id} is still used by access group ${user.id} (user)`,
    );
    assert.ok(groups.has(group.id));
    await deleteAccessGroup(deps, admin, user.id);
    await deleteAccessGroup(deps, admin, group.id);
    assert.equal(groups.size, 0);
    assert.deepEqual(audit.actions(), [
      'access_group.create',
      'access_group.create',
      'access_group.delete',
      'access_group.delete',
    ]);
  });
});
