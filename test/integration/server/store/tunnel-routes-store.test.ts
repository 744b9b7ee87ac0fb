/**
 * Tunnel routes on SQLite and PostgreSQL (migration 0016): one network per (account, virtual network), an
 * unknown agent or virtual network is invalid_argument, removing an agent removes its routes (cascade),
 * deleting a virtual network that routes use is a conflict naming them; lists filter, page and order by
 * creation.
 */
import assert from 'node:assert/strict';
import { isLatchkeyError, type ErrorCode } from '@latchkey/shared';
import { openStore } from '../../../../server/src/adapters/db/open-store.js';
import type { Store, StoreOptions } from '../../../../server/src/app/ports/store.js';
import type { AgentRecord } from '../../../../server/src/domain/records.js';
import { storeBackends } from '../support/store-backends.js';

const OTHER_ACCOUNT = '00000000-0000-4000-8000-000000000000';
const MISSING = '11111111-1111-4111-8111-111111111111';

async function expectError(promise: Promise<unknown>, code: ErrorCode, message: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isLatchkeyError(error, code), `expected LatchkeyError(${code}), got ${String(error)}`);
    assert.match(error.message, message);
    return true;
  });
}

for (const backend of storeBackends('tunnel-routes-store')) {
  describe(`tunnel routes store on ${backend.name}`, function () {
    this.timeout(60_000);
    let store: Store;
    let accountId: string;
    let defaultNetworkId: string;
    let time: number;
    let options: StoreOptions;

    before(() => backend.setUp());
    after(() => backend.tearDown());
    beforeEach(async () => {
      time = Date.parse('2026-12-07T12:00:00.000Z');
      options = await backend.freshDatabase();
      store = await openStore({ ...options, clock: () => new Date((time += 1000)) });
      accountId = (await store.accounts.ensureDefaultAccount()).account.id;
      defaultNetworkId = (await store.virtualNetworks.getDefault(accountId)).id;
    });
    afterEach(async () => store?.close());

    let agents = 0;
    async function agent(hostname: string): Promise<AgentRecord> {
      agents += 1;
      const joinToken = await store.joinTokens.create(accountId, {
        name: 'connectors',
        tokenHash: agents.toString(16).padStart(64, '0'),
        maxUses: 1,
        expiresAt: new Date(time + 3_600_000),
      });
      const credential = await store.apiTokens.create(accountId, {
        name: `agent ${hostname}`,
        tokenHash: agents.toString(16).padStart(64, 'f'),
        permissions: ['Latchkey: Agent'],
      });
      return store.agents.create(accountId, {
        hostname,
        apiTokenId: credential.id,
        joinTokenId: joinToken.id,
      });
    }

    it('creates, gets, lists and deletes a route', async () => {
      const connector = await agent('connector-1');
      const route = await store.tunnelRoutes.create(accountId, {
        network: '10.77.0.0/24',
        agentId: connector.id,
        virtualNetworkId: defaultNetworkId,
        comment: 'lab',
      });
      assert.deepEqual(
        { ...route, id: undefined },
        {
          id: undefined,
          accountId,
          network: '10.77.0.0/24',
          agentId: connector.id,
          virtualNetworkId: defaultNetworkId,
          comment: 'lab',
          createdAt: route.createdAt,
        },
      );
      assert.ok(route.createdAt instanceof Date);
      assert.deepEqual(await store.tunnelRoutes.get(accountId, route.id), route);
      assert.equal(await store.tunnelRoutes.get(OTHER_ACCOUNT, route.id), undefined);
      assert.deepEqual(await store.tunnelRoutes.listForNetwork(accountId, defaultNetworkId), [route]);
      const deleted = await store.tunnelRoutes.delete(accountId, route.id);
      assert.deepEqual(deleted, { ...route, deletedAt: deleted?.deletedAt });
      assert.ok(deleted?.deletedAt instanceof Date);
      assert.equal(await store.tunnelRoutes.get(accountId, route.id), undefined);
      assert.equal(await store.tunnelRoutes.delete(accountId, route.id), undefined);
      assert.equal((await store.tunnelRoutes.list(accountId)).totalCount, 0);
    });

    it('keeps one network per virtual network: the same network in another one is fine', async () => {
      const connector = await agent('connector-1');
      const lab = await store.virtualNetworks.create(accountId, { name: 'lab' });
      const first = await store.tunnelRoutes.create(accountId, {
        network: 'fd00:77::/64',
        agentId: connector.id,
        virtualNetworkId: defaultNetworkId,
      });
      assert.equal(first.comment, '');
      await expectError(
        store.tunnelRoutes.create(accountId, {
          network: 'fd00:77::/64',
          agentId: (await agent('connector-2')).id,
          virtualNetworkId: defaultNetworkId,
        }),
        'conflict',
        new RegExp(
          `fd00:77::/64 of virtual network ${defaultNetworkId} is already routed \\(route ${first.id}\\)`,
        ),
      );
      await store.tunnelRoutes.create(accountId, {
        network: 'fd00:77::/64',
        agentId: connector.id,
        virtualNetworkId: lab.id,
      });
      assert.equal((await store.tunnelRoutes.list(accountId)).totalCount, 2);
    });

    it('two stores creating the same network at once: one route, the other a conflict', async () => {
      const connector = await agent('connector-1');
      const other = await openStore({ ...options, clock: () => new Date((time += 1000)) });
      try {
        const input = { network: '10.66.0.0/16', agentId: connector.id, virtualNetworkId: defaultNetworkId };
        const results = await Promise.allSettled([
          store.tunnelRoutes.create(accountId, input),
          other.tunnelRoutes.create(accountId, input),
          store.tunnelRoutes.create(accountId, input),
          other.tunnelRoutes.create(accountId, input),
        ]);
        for (const result of results) {
          if (result.status === 'rejected') {
            assert.ok(isLatchkeyError(result.reason, 'conflict'), String(result.reason));
            assert.match(result.reason.message, /10\.66\.0\.0\/16 of virtual network .* is already routed/);
          }
        }
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
        assert.equal((await store.tunnelRoutes.list(accountId)).totalCount, 1);
      } finally {
        await other.close();
      }
    });

    it('updates the fields given, with the same checks as create', async () => {
      const one = await agent('connector-1');
      const two = await agent('connector-2');
      const lab = await store.virtualNetworks.create(accountId, { name: 'lab' });
      const route = await store.tunnelRoutes.create(accountId, {
        network: '10.1.0.0/16',
        agentId: one.id,
        virtualNetworkId: defaultNetworkId,
        comment: 'first',
      });
      const other = await store.tunnelRoutes.create(accountId, {
        network: '10.2.0.0/16',
        agentId: one.id,
        virtualNetworkId: defaultNetworkId,
      });
      const commented = await store.tunnelRoutes.update(accountId, route.id, { comment: 'renamed' });
      assert.deepEqual(commented, { ...route, comment: 'renamed' });
      const moved = await store.tunnelRoutes.update(accountId, route.id, {
        network: '10.2.0.0/16',
        agentId: two.id,
        virtualNetworkId: lab.id,
      });
      assert.deepEqual(moved, {
        ...route,
        network: '10.2.0.0/16',
        agentId: two.id,
        virtualNetworkId: lab.id,
        comment: 'renamed',
      });
      assert.deepEqual(await store.tunnelRoutes.get(accountId, route.id), moved);
      // Unchanged network in place: not a clash with itself.
      assert.deepEqual(await store.tunnelRoutes.update(accountId, route.id, {}), moved);
      await expectError(
        store.tunnelRoutes.update(accountId, route.id, { virtualNetworkId: defaultNetworkId }),
        'conflict',
        new RegExp(
          `10\\.2\\.0\\.0/16 of virtual network ${defaultNetworkId} is already routed \\(route ${other.id}\\)`,
        ),
      );
      await expectError(
        store.tunnelRoutes.update(accountId, route.id, { agentId: MISSING }),
        'invalid_argument',
        /is not an agent/,
      );
      await expectError(
        store.tunnelRoutes.update(accountId, route.id, { virtualNetworkId: MISSING }),
        'invalid_argument',
        /does not exist/,
      );
      assert.deepEqual(await store.tunnelRoutes.get(accountId, route.id), moved);
      assert.equal(await store.tunnelRoutes.update(accountId, MISSING, { comment: 'x' }), undefined);
      assert.equal(await store.tunnelRoutes.update(OTHER_ACCOUNT, route.id, { comment: 'x' }), undefined);
    });

    it('refuses an unknown agent or virtual network, and those of another account', async () => {
      const connector = await agent('connector-1');
      await expectError(
        store.tunnelRoutes.create(accountId, {
          network: '10.0.0.0/8',
          agentId: MISSING,
          virtualNetworkId: defaultNetworkId,
        }),
        'invalid_argument',
        new RegExp(`tunnel_id ${MISSING} is not an agent`),
      );
      await expectError(
        store.tunnelRoutes.create(accountId, {
          network: '10.0.0.0/8',
          agentId: connector.id,
          virtualNetworkId: MISSING,
        }),
        'invalid_argument',
        new RegExp(`virtual network ${MISSING} does not exist`),
      );
      await expectError(
        store.tunnelRoutes.create(OTHER_ACCOUNT, {
          network: '10.0.0.0/8',
          agentId: connector.id,
          virtualNetworkId: defaultNetworkId,
        }),
        'invalid_argument',
        /is not an agent of this account/,
      );
      assert.equal((await store.tunnelRoutes.list(accountId)).totalCount, 0);
    });

    it('filters by agent and virtual network, pages in creation order', async () => {
      const one = await agent('connector-1');
      const two = await agent('connector-2');
      const lab = await store.virtualNetworks.create(accountId, { name: 'lab' });
      const made = [];
      for (let i = 0; i < 5; i += 1) {
        made.push(
          await store.tunnelRoutes.create(accountId, {
            network: `10.${i}.0.0/16`,
            agentId: i % 2 === 0 ? one.id : two.id,
            virtualNetworkId: i < 3 ? defaultNetworkId : lab.id,
          }),
        );
      }
      const all = await store.tunnelRoutes.list(accountId);
      assert.deepEqual(
        all.items.map((route) => route.network),
        made.map((route) => route.network),
      );
      const second = await store.tunnelRoutes.list(accountId, { page: 2, perPage: 2 });
      assert.deepEqual(
        { ...second, items: second.items.map((route) => route.network) },
        { items: ['10.2.0.0/16', '10.3.0.0/16'], page: 2, perPage: 2, totalCount: 5 },
      );
      const ofOne = await store.tunnelRoutes.list(accountId, { agentId: one.id });
      assert.deepEqual(
        ofOne.items.map((route) => route.network),
        ['10.0.0.0/16', '10.2.0.0/16', '10.4.0.0/16'],
      );
      const ofTwoInLab = await store.tunnelRoutes.list(accountId, {
        agentId: two.id,
        virtualNetworkId: lab.id,
      });
      assert.deepEqual(
        ofTwoInLab.items.map((route) => route.network),
        ['10.3.0.0/16'],
      );
      assert.equal(ofTwoInLab.totalCount, 1);
      assert.deepEqual(
        (await store.tunnelRoutes.listForNetwork(accountId, lab.id)).map((route) => route.network),
        ['10.3.0.0/16', '10.4.0.0/16'],
      );
      await expectError(
        store.tunnelRoutes.list(accountId, { perPage: 1001 }),
        'invalid_argument',
        /per_page/,
      );
    });

    it('removing an agent removes its routes; only its own', async () => {
      const one = await agent('connector-1');
      const two = await agent('connector-2');
      await store.tunnelRoutes.create(accountId, {
        network: '10.1.0.0/16',
        agentId: one.id,
        virtualNetworkId: defaultNetworkId,
      });
      const kept = await store.tunnelRoutes.create(accountId, {
        network: '10.2.0.0/16',
        agentId: two.id,
        virtualNetworkId: defaultNetworkId,
      });
      await store.transaction((tx) => tx.agents.delete(accountId, one.id));
      assert.deepEqual((await store.tunnelRoutes.list(accountId)).items, [kept]);
    });

    it('refuses to delete a virtual network that routes use, naming them', async () => {
      const connector = await agent('connector-1');
      const lab = await store.virtualNetworks.create(accountId, { name: 'lab' });
      const route = await store.tunnelRoutes.create(accountId, {
        network: '192.168.7.0/24',
        agentId: connector.id,
        virtualNetworkId: lab.id,
      });
      await expectError(
        store.virtualNetworks.delete(accountId, lab.id),
        'conflict',
        new RegExp(
          `virtual network ${lab.id} is still used by 1 tunnel route\\(s\\): 192\\.168\\.7\\.0/24 \\(route ${route.id}\\)`,
        ),
      );
      await store.tunnelRoutes.delete(accountId, route.id);
      assert.equal((await store.virtualNetworks.delete(accountId, lab.id))?.id, lab.id);
    });
  });
}
