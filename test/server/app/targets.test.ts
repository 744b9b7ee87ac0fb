// The target use cases over in-memory fakes of the ports they declare (TargetsDeps): each change is
// audited in its transaction, deleting a target removes its agents and revokes their credentials, and an
// unknown virtual network is the request's fault. Over HTTP and SQLite: test/server/http/targets.test.ts.
import assert from 'node:assert/strict';
import { LatchkeyError } from '@latchkey/shared';
import type { Caller } from '../../../server/src/app/caller.js';
import type { Repositories, TargetInput } from '../../../server/src/app/ports/store.js';
import { createTarget, deleteTarget, type TargetsDeps } from '../../../server/src/app/targets.js';
import type { AgentRecord, TargetRecord } from '../../../server/src/domain/records.js';
import { FakeAuditTrail, FakeTransactions, fake, fakeStore } from './fakes.js';

const ACCOUNT = 'account-1';
const NOW = new Date('2026-03-04T05:06:07Z');
const admin: Caller = {
  accountId: ACCOUNT,
  tokenId: 'token-admin',
  permissions: ['Zero Trust: Edit'],
  actor: 'token:token-admin',
};

function world() {
  const targets = new Map<string, TargetRecord>();
  const agents = new Map<string, AgentRecord>();
  const revoked: string[] = [];
  const transactions = new FakeTransactions();
  const audit = new FakeAuditTrail(() => NOW, transactions);
  const store = fakeStore(
    {
      targets: fake<Repositories['targets']>('targets', {
        create: async (accountId, input: TargetInput) => {
          const target: TargetRecord = {
            id: `target-${targets.size + 1}`,
            accountId,
            hostname: input.hostname,
            ...(input.ipv4 === undefined
              ? {}
              : {
                  ipv4: {
                    address: input.ipv4.address,
                    virtualNetworkId: input.ipv4.virtualNetworkId ?? 'vnet-default',
                  },
                }),
            tags: input.tags ?? {},
            createdAt: NOW,
            modifiedAt: NOW,
          };
          targets.set(target.id, target);
          return target;
        },
        delete: async (accountId, id) => {
          const target = targets.get(id);
          if (target?.accountId !== accountId) return undefined;
          targets.delete(id);
          return target;
        },
      }),
      virtualNetworks: fake<Repositories['virtualNetworks']>('virtualNetworks', {
        get: async (accountId, id) =>
          id === 'vnet-default'
            ? { id, accountId, name: 'default', comment: '', isDefaultNetwork: true, createdAt: NOW }
            : undefined,
      }),
      agents: fake<Repositories['agents']>('agents', {
        listForTargets: async (accountId, ids) =>
          [...agents.values()].filter((a) => a.accountId === accountId && ids.includes(a.targetId ?? '')),
        delete: async (_accountId, id) => {
          const agent = agents.get(id);
          agents.delete(id);
          return agent;
        },
      }),
      apiTokens: fake<Repositories['apiTokens']>('apiTokens', {
        revoke: async (_accountId, id) => {
          revoked.push(id);
          return undefined;
        },
      }),
      auditEvents: audit,
    },
    transactions,
  );
  const deps: TargetsDeps = { store };
  return { deps, audit, targets, agents, revoked };
}

describe('app: target use cases (over fakes)', () => {
  it('creates a target and audits it in the same transaction', async () => {
    const { deps, audit, targets } = world();
    const target = await createTarget(deps, admin, { hostname: 'web-1', ipv4: { address: '10.0.0.1' } });
    assert.equal(targets.get(target.id), target);
    assert.deepEqual(audit.actions(), ['target.create']);
    assert.equal(audit.events[0]!.resourceId, target.id);
    assert.equal(audit.events[0]!.actor, 'token:token-admin');
    assert.equal(audit.events[0]!.inTransaction, true);
  });

  it('refuses an unknown virtual network, pointing at it, and creates nothing', async () => {
    const { deps, audit, targets } = world();
    await assert.rejects(
      createTarget(deps, admin, {
        hostname: 'web-1',
        ipv4: { address: '10.0.0.1', virtualNetworkId: 'vnet-x' },
      }),
      (error: unknown) =>
        error instanceof LatchkeyError &&
        error.code === 'invalid_argument' &&
        error.message.startsWith('/ip/ipv4/virtual_network_id: virtual network vnet-x'),
    );
    assert.equal(targets.size, 0);
    assert.deepEqual(audit.events, []);
  });

  it('deletes a target with its agents, revoking their credentials, all audited', async () => {
    const { deps, audit, agents, revoked } = world();
    const target = await createTarget(deps, admin, { hostname: 'web-1', ipv4: { address: '10.0.0.1' } });
    agents.set('agent-1', {
      id: 'agent-1',
      accountId: ACCOUNT,
      hostname: 'web-1',
      apiTokenId: 'token-agent-1',
      joinTokenId: 'join-1',
      targetId: target.id,
      createdAt: NOW,
    });
    await deleteTarget(deps, admin, target.id);
    assert.equal(agents.size, 0);
    assert.deepEqual(revoked, ['token-agent-1']);
    assert.deepEqual(audit.actions(), ['target.create', 'target.delete', 'agent.delete']);
    assert.deepEqual(audit.events[2]!.after, {
      reason: 'its target was deleted',
      revoked_token_id: 'token-agent-1',
    });
    assert.ok(audit.events.every((event) => event.inTransaction));
  });

  it('answers not_found for a target of another account', async () => {
    const { deps } = world();
    const target = await createTarget(deps, admin, { hostname: 'web-1', ipv4: { address: '10.0.0.1' } });
    await assert.rejects(
      deleteTarget(deps, { ...admin, accountId: 'account-2' }, target.id),
      (error: unknown) => error instanceof LatchkeyError && error.code === 'not_found',
    );
  });
});
