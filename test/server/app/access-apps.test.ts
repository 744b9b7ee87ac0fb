// The infrastructure-app use cases over in-memory fakes of the ports they declare (AccessAppsDeps): an
// app is created with its inline policies and audited in the same transaction; linking a policy that
// another app owns, or one that grants no UNIX usernames, and giving a port a second protocol are
// refused before anything is written. Over HTTP and SQLite: test/server/http/access.test.ts.
import assert from 'node:assert/strict';
import { LatchkeyError, parseAppInput } from '@latchkey/shared';
import { createApp, deleteApp, type AccessAppsDeps } from '../../../server/src/app/access-apps.js';
import type { Caller } from '../../../server/src/app/caller.js';
import type { PolicyInput, Repositories } from '../../../server/src/app/ports/store.js';
import type { InfrastructureAppRecord, PolicyRecord } from '../../../server/src/domain/records.js';
import { FakeAuditTrail, FakeTransactions, fake, fakeStore } from './fakes.js';

const ACCOUNT = 'account-1';
const NOW = new Date('2026-03-04T05:06:07Z');
const admin: Caller = {
  accountId: ACCOUNT,
  tokenId: 'token-admin',
  permissions: ['Zero Trust: Edit'],
  actor: 'token:token-admin',
};

const SSH = { ssh: { usernames: ['root'] } };
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const REUSABLE_ID = uuid(900);

function policyRecord(id: string, input: PolicyInput): PolicyRecord {
  return {
    id,
    accountId: ACCOUNT,
    name: input.name,
    decision: input.decision,
    include: input.include,
    require: input.require ?? [],
    exclude: input.exclude ?? [],
    ...(input.connectionRules === undefined ? {} : { connectionRules: input.connectionRules }),
    reusable: input.reusable,
    createdAt: NOW,
    updatedAt: NOW,
  };
}

function world() {
  const apps = new Map<string, InfrastructureAppRecord>();
  const policies = new Map<string, PolicyRecord>();
  const transactions = new FakeTransactions();
  const audit = new FakeAuditTrail(() => NOW, transactions);
  const store = fakeStore(
    {
      apps: fake<Repositories['apps']>('apps', {
        create: async (accountId, input) => {
          const app: InfrastructureAppRecord = {
            id: `app-${apps.size + 1}`,
            accountId,
            aud: 'a'.repeat(64),
            ...input,
            createdAt: NOW,
            updatedAt: NOW,
          };
          apps.set(app.id, app);
          return app;
        },
        get: async (accountId, id) => {
          const app = apps.get(id);
          return app?.accountId === accountId ? app : undefined;
        },
        list: async (accountId) => [...apps.values()].filter((app) => app.accountId === accountId),
        delete: async (accountId, id) => {
          const app = apps.get(id);
          if (app?.accountId !== accountId) return undefined;
          apps.delete(id);
          return app;
        },
      }),
      policies: fake<Repositories['policies']>('policies', {
        create: async (_accountId, input) => {
          const policy = policyRecord(uuid(policies.size + 1), input);
          policies.set(policy.id, policy);
          return policy;
        },
        get: async (accountId, id) => {
          const policy = policies.get(id);
          return policy?.accountId === accountId ? policy : undefined;
        },
        getMany: async (accountId, ids) =>
          ids.flatMap((id) => {
            const policy = policies.get(id);
            return policy?.accountId === accountId ? [policy] : [];
          }),
      }),
      groups: fake<Repositories['groups']>('groups', { get: async () => undefined }),
      auditEvents: audit,
    },
    transactions,
  );
  const deps: AccessAppsDeps = { store };
  return { deps, audit, apps, policies };
}

function appInput(port: number, protocol: string, policies: unknown[]) {
  return parseAppInput({
    name: `app on ${port}`,
    type: 'infrastructure',
    target_criteria: [{ target_attributes: { hostname: ['web-1'] }, port, protocol }],
    policies,
  });
}

const inlinePolicy = {
  name: 'everyone',
  decision: 'allow',
  include: [{ everyone: {} }],
  connection_rules: SSH,
};

describe('app: infrastructure-app use cases (over fakes)', () => {
  it('creates an app with its inline policy and audits it in the same transaction', async () => {
    const { deps, audit, apps, policies } = world();
    const { app, policies: linked } = await createApp(deps, admin, appInput(22, 'SSH', [inlinePolicy]));
    assert.equal(apps.get(app.id), app);
    assert.equal(policies.size, 1);
    const [policy] = [...policies.values()];
    assert.equal(policy!.reusable, false);
    assert.deepEqual(app.policies, [{ policyId: policy!.id, precedence: 1 }]);
    assert.equal(linked.get(policy!.id), policy);
    assert.deepEqual(audit.actions(), ['access_app.create']);
    assert.equal(audit.events[0]!.resourceId, app.id);
    assert.equal(audit.events[0]!.inTransaction, true);
  });

  it("refuses to link another app's inline policy, pointing at it, and creates nothing", async () => {
    const { deps, audit, apps } = world();
    const first = await createApp(deps, admin, appInput(22, 'SSH', [inlinePolicy]));
    const [link] = first.app.policies;
    await assert.rejects(
      createApp(deps, admin, appInput(2222, 'SSH', [{ id: link!.policyId }])),
      (error: unknown) =>
        error instanceof LatchkeyError &&
        error.code === 'invalid_argument' &&
        error.message.startsWith(`/policies/0: policy ${link!.policyId} belongs to another app`),
    );
    assert.equal(apps.size, 1);
    assert.deepEqual(audit.actions(), ['access_app.create']);
  });

  it('refuses a linked reusable policy that grants no UNIX usernames', async () => {
    const { deps, policies } = world();
    policies.set(
      REUSABLE_ID,
      policyRecord(REUSABLE_ID, {
        name: 'reusable',
        decision: 'allow',
        include: [{ everyone: {} }],
        reusable: true,
      }),
    );
    await assert.rejects(
      createApp(deps, admin, appInput(22, 'SSH', [{ id: REUSABLE_ID }])),
      (error: unknown) =>
        error instanceof LatchkeyError &&
        error.code === 'invalid_argument' &&
        error.message.includes('has no connection_rules.ssh'),
    );
  });

  it('refuses a port that another app uses for another protocol (409)', async () => {
    const { deps, apps } = world();
    const first = await createApp(deps, admin, appInput(3389, 'RDP', [inlinePolicy]));
    await assert.rejects(
      createApp(deps, admin, appInput(3389, 'SSH', [inlinePolicy])),
      (error: unknown) =>
        error instanceof LatchkeyError &&
        error.code === 'conflict' &&
        error.message.includes(`already used for RDP by app ${first.app.id}`),
    );
    assert.equal(apps.size, 1);
  });

  it('deletes an app, auditing what it was, and answers not_found for another account', async () => {
    const { deps, audit, apps } = world();
    const { app } = await createApp(deps, admin, appInput(22, 'SSH', [inlinePolicy]));
    await assert.rejects(
      deleteApp(deps, { ...admin, accountId: 'account-2' }, app.id),
      (error: unknown) => error instanceof LatchkeyError && error.code === 'not_found',
    );
    await deleteApp(deps, admin, app.id);
    assert.equal(apps.size, 0);
    assert.deepEqual(audit.actions(), ['access_app.create', 'access_app.delete']);
    assert.equal(audit.events[1]!.resourceId, app.id);
    assert.ok(audit.events.every((event) => event.inTransaction));
  });
});
