// The virtual-network use cases over in-memory fakes of the ports they declare (VirtualNetworksDeps):
// a network is created and audited in the same transaction; the default network is neither deleted nor
// un-defaulted (409); contradicting default flags are the request's fault. Over HTTP and SQLite:
// test/server/http/virtual-networks.test.ts.
import assert from 'node:assert/strict';
import { LatchkeyError } from '@latchkey/shared';
import type { Caller } from '../../../server/src/app/caller.js';
import type { Repositories } from '../../../server/src/app/ports/store.js';
import {
  createVirtualNetwork,
  deleteVirtualNetwork,
  listVirtualNetworks,
  updateVirtualNetwork,
  type VirtualNetworksDeps,
} from '../../../server/src/app/virtual-networks.js';
import type { VirtualNetworkRecord } from '../../../server/src/domain/records.js';
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
  const networks = new Map<string, VirtualNetworkRecord>([
    [
      'vnet-default',
      {
        id: 'vnet-default',
        accountId: ACCOUNT,
        name: 'default',
        comment: '',
        isDefaultNetwork: true,
        createdAt: NOW,
      },
    ],
  ]);
  const transactions = new FakeTransactions();
  const audit = new FakeAuditTrail(() => NOW, transactions);
  const store = fakeStore(
    {
      virtualNetworks: fake<Repositories['virtualNetworks']>('virtualNetworks', {
        create: async (accountId, input) => {
          const network: VirtualNetworkRecord = {
            id: `vnet-${networks.size + 1}`,
            accountId,
            name: input.name,
            comment: input.comment ?? '',
            isDefaultNetwork: input.isDefaultNetwork ?? false,
            createdAt: NOW,
          };
          networks.set(network.id, network);
          return network;
        },
        get: async (accountId, id) => {
          const network = networks.get(id);
          return network?.accountId === accountId ? network : undefined;
        },
        delete: async (accountId, id) => {
          const network = networks.get(id);
          if (network?.accountId !== accountId) return undefined;
          networks.delete(id);
          return { ...network, deletedAt: NOW };
        },
      }),
      auditEvents: audit,
    },
    transactions,
  );
  const deps: VirtualNetworksDeps = { store };
  return { deps, audit, networks };
}

describe('app: virtual-network use cases (over fakes)', () => {
  it('creates a network and audits it in the same transaction', async () => {
    const { deps, audit, networks } = world();
    const network = await createVirtualNetwork(deps, admin, { name: 'lab', comment: 'the lab' });
    assert.equal(networks.get(network.id), network);
    assert.equal(network.isDefaultNetwork, false);
    assert.deepEqual(audit.actions(), ['virtual_network.create']);
    assert.equal(audit.events[0]!.resourceId, network.id);
    assert.equal(audit.events[0]!.inTransaction, true);
  });

  it('refuses contradicting default flags before writing anything', async () => {
    const { deps, audit, networks } = world();
    await assert.rejects(
      createVirtualNetwork(deps, admin, { name: 'lab', is_default_network: true, is_default: false }),
      (error: unknown) =>
        error instanceof LatchkeyError &&
        error.code === 'invalid_argument' &&
        error.message === '/is_default contradicts /is_default_network; give only is_default_network',
    );
    await assert.rejects(
      listVirtualNetworks(deps, admin, { is_default_network: true, is_default: false }),
      (error: unknown) => error instanceof LatchkeyError && error.message.startsWith('query parameter'),
    );
    assert.equal(networks.size, 1);
    assert.deepEqual(audit.events, []);
  });

  it('neither deletes nor un-defaults the default network (409)', async () => {
    const { deps, audit, networks } = world();
    await assert.rejects(
      deleteVirtualNetwork(deps, admin, 'vnet-default'),
      (error: unknown) =>
        error instanceof LatchkeyError &&
        error.code === 'conflict' &&
        error.message.includes('is the default and cannot be deleted'),
    );
    await assert.rejects(
      updateVirtualNetwork(deps, admin, 'vnet-default', { is_default_network: false }),
      (error: unknown) => error instanceof LatchkeyError && error.code === 'conflict',
    );
    assert.ok(networks.has('vnet-default'));
    assert.deepEqual(audit.events, []);
  });

  it('deletes another network, auditing what it was', async () => {
    const { deps, audit, networks } = world();
    const network = await createVirtualNetwork(deps, admin, { name: 'lab' });
    const deleted = await deleteVirtualNetwork(deps, admin, network.id);
    assert.deepEqual(deleted.deletedAt, NOW);
    assert.equal(networks.has(network.id), false);
    assert.deepEqual(audit.actions(), ['virtual_network.create', 'virtual_network.delete']);
    assert.equal(audit.events[1]!.inTransaction, true);
  });
});
