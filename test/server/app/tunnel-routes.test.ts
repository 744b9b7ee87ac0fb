// The tunnel-route use cases over in-memory fakes of the ports they declare (TunnelRoutesDeps): the
// network is canonicalised (or refused, saying why, before anything is read), the agent must be the
// account's, the virtual network defaults to the account's default, each change is audited in its
// transaction; lists pass their filters and paging to the store. Over HTTP and SQLite:
// test/server/http/tunnel-routes.test.ts; the store on both databases:
// test/integration/server/store/tunnel-routes-store.test.ts.
import assert from 'node:assert/strict';
import { LatchkeyError } from '@latchkey/shared';
import type { Caller } from '../../../server/src/app/caller.js';
import type { Repositories, TunnelRouteFilter } from '../../../server/src/app/ports/store.js';
import {
  createTunnelRoute,
  deleteTunnelRoute,
  findTunnelRouteForIp,
  getTunnelRoute,
  listTunnelRoutes,
  tunnelRouteNames,
  updateTunnelRoute,
  type TunnelRoutesDeps,
} from '../../../server/src/app/tunnel-routes.js';
import type {
  AgentRecord,
  TunnelRouteRecord,
  VirtualNetworkRecord,
} from '../../../server/src/domain/records.js';
import { FakeAuditTrail, FakeTransactions, fake, fakeStore } from './fakes.js';

const ACCOUNT = 'account-1';
const AGENT = '6f1c1f6e-1111-4111-8111-111111111111';
const LAB = '0a0a0a0a-2222-4222-8222-222222222222';
const DEFAULT_NET = '0d0d0d0d-3333-4333-8333-333333333333';
const NOW = new Date('2026-12-07T12:00:00Z');
const admin: Caller = {
  accountId: ACCOUNT,
  tokenId: 'token-admin',
  permissions: ['Zero Trust: Edit'],
  actor: 'token:token-admin',
};

function network(id: string, isDefaultNetwork: boolean): VirtualNetworkRecord {
  return { id, accountId: ACCOUNT, name: id, comment: '', isDefaultNetwork, createdAt: NOW };
}

function world() {
  const routes = new Map<string, TunnelRouteRecord>();
  const agent: AgentRecord = {
    id: AGENT,
    accountId: ACCOUNT,
    hostname: 'connector-1',
    apiTokenId: 'token-agent',
    joinTokenId: 'join-1',
    createdAt: NOW,
  };
  const networks = [network(DEFAULT_NET, true), network(LAB, false)];
  const transactions = new FakeTransactions();
  const audit = new FakeAuditTrail(() => NOW, transactions);
  const listed: TunnelRouteFilter[] = [];
  const store = fakeStore(
    {
      agents: fake<Repositories['agents']>('agents', {
        get: async (accountId, id) => (accountId === ACCOUNT && id === AGENT ? agent : undefined),
        list: async (accountId) => (accountId === ACCOUNT ? [agent] : []),
      }),
      virtualNetworks: fake<Repositories['virtualNetworks']>('virtualNetworks', {
        get: async (accountId, id) => networks.find((n) => n.accountId === accountId && n.id === id),
        getDefault: async () => networks[0]!,
        list: async (accountId) => networks.filter((n) => n.accountId === accountId),
      }),
      tunnelRoutes: fake<Repositories['tunnelRoutes']>('tunnelRoutes', {
        create: async (accountId, input) => {
          assert.equal(transactions.open, true, 'routes are created in a transaction');
          const route: TunnelRouteRecord = {
            id: `route-${routes.size + 1}`,
            accountId,
            network: input.network,
            agentId: input.agentId,
            virtualNetworkId: input.virtualNetworkId,
            comment: input.comment ?? '',
            createdAt: NOW,
          };
          routes.set(route.id, route);
          return route;
        },
        get: async (accountId, id) => {
          const route = routes.get(id);
          return route?.accountId === accountId ? route : undefined;
        },
        listForNetwork: async (accountId, virtualNetworkId) =>
          [...routes.values()].filter(
            (r) => r.accountId === accountId && r.virtualNetworkId === virtualNetworkId,
          ),
        list: async (_accountId, filter = {}) => {
          listed.push(filter);
          const items = [...routes.values()];
          return { items, page: filter.page ?? 1, perPage: filter.perPage ?? 1000, totalCount: items.length };
        },
        update: async (accountId, id, patch) => {
          assert.equal(transactions.open, true, 'routes are updated in a transaction');
          const route = routes.get(id);
          if (route?.accountId !== accountId) return undefined;
          const next = { ...route, ...patch };
          routes.set(id, next);
          return next;
        },
        delete: async (accountId, id) => {
          const route = routes.get(id);
          if (route?.accountId !== accountId) return undefined;
          routes.delete(id);
          return { ...route, deletedAt: NOW };
        },
      }),
      auditEvents: audit,
    },
    transactions,
  );
  const deps: TunnelRoutesDeps = { store };
  return { deps, audit, routes, listed };
}

function refusal(code: string, pointer: string, message: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof LatchkeyError, String(error));
    assert.equal(error.code, code);
    assert.equal(error.pointer, pointer);
    assert.match(error.message, message);
    return true;
  };
}

describe('app: tunnel-route use cases (over fakes)', () => {
  it('creates a route in the default network, canonical, and audits it in the same transaction', async () => {
    const { deps, audit, routes } = world();
    const route = await createTunnelRoute(deps, admin, {
      network: 'FD00:0077:0:0::/64',
      tunnel_id: AGENT.toUpperCase(),
      comment: 'lab v6',
    });
    assert.deepEqual(routes.get(route.id), route);
    assert.equal(route.network, 'fd00:77::/64');
    assert.equal(route.agentId, AGENT);
    assert.equal(route.virtualNetworkId, DEFAULT_NET);
    assert.equal(route.comment, 'lab v6');
    assert.deepEqual(audit.actions(), ['tunnel_route.create']);
    const event = audit.events[0]!;
    assert.equal(event.inTransaction, true);
    assert.equal(event.resourceType, 'tunnel_route');
    assert.equal(event.resourceId, route.id);
    assert.deepEqual(event.after, {
      id: route.id,
      network: 'fd00:77::/64',
      tunnel_id: AGENT,
      tunnel_name: 'connector-1',
      virtual_network_id: DEFAULT_NET,
      comment: 'lab v6',
      created_at: NOW.toISOString(),
    });
  });

  it('takes the virtual network given, and an empty comment when none', async () => {
    const { deps } = world();
    const route = await createTunnelRoute(deps, admin, {
      network: '10.77.0.0/24',
      tunnel_id: AGENT,
      virtual_network_id: LAB.toUpperCase(),
    });
    assert.equal(route.virtualNetworkId, LAB);
    assert.equal(route.comment, '');
  });

  it('refuses a network with host bits, saying which network was meant, before reading anything', async () => {
    const { deps, audit, routes } = world();
    await assert.rejects(
      createTunnelRoute(deps, admin, { network: '10.77.0.5/24', tunnel_id: AGENT }),
      refusal(
        'invalid_argument',
        '/network',
        /network "10\.77\.0\.5\/24" has host bits set past \/24: the network is 10\.77\.0\.0\/24/,
      ),
    );
    await assert.rejects(
      createTunnelRoute(deps, admin, { network: '10.0.0.0/33', tunnel_id: AGENT }),
      refusal('invalid_argument', '/network', /prefix is a whole number from 0 to 32/),
    );
    assert.equal(routes.size, 0);
    assert.deepEqual(audit.events, []);
  });

  it('refuses an agent or a virtual network the account does not have', async () => {
    const { deps, audit, routes } = world();
    const missing = '99999999-9999-4999-8999-999999999999';
    await assert.rejects(
      createTunnelRoute(deps, admin, { network: '10.0.0.0/8', tunnel_id: missing }),
      refusal(
        'invalid_argument',
        '/tunnel_id',
        new RegExp(`tunnel_id ${missing} is not an agent of this account`),
      ),
    );
    await assert.rejects(
      createTunnelRoute(
        deps,
        { ...admin, accountId: 'account-2' },
        { network: '10.0.0.0/8', tunnel_id: AGENT },
      ),
      refusal('invalid_argument', '/tunnel_id', /is not an agent of this account/),
    );
    await assert.rejects(
      createTunnelRoute(deps, admin, {
        network: '10.0.0.0/8',
        tunnel_id: AGENT,
        virtual_network_id: missing,
      }),
      refusal(
        'invalid_argument',
        '/virtual_network_id',
        new RegExp(`virtual network ${missing} does not exist`),
      ),
    );
    assert.equal(routes.size, 0);
    assert.deepEqual(audit.events, []);
  });

  it('gets a route, and says not_found for a missing one', async () => {
    const { deps } = world();
    const route = await createTunnelRoute(deps, admin, { network: '10.0.0.0/8', tunnel_id: AGENT });
    assert.equal(await getTunnelRoute(deps, admin, route.id), route);
    await assert.rejects(
      getTunnelRoute(deps, admin, 'route-404'),
      (error: unknown) => error instanceof LatchkeyError && error.code === 'not_found',
    );
  });

  it('lists with the filters and paging given; is_deleted=true is always none', async () => {
    const { deps, listed } = world();
    await createTunnelRoute(deps, admin, { network: '10.0.0.0/8', tunnel_id: AGENT });
    const page = await listTunnelRoutes(deps, admin, {
      tunnel_id: AGENT.toUpperCase(),
      virtual_network_id: LAB.toUpperCase(),
      page: 2,
      per_page: 10,
    });
    assert.deepEqual(listed, [{ agentId: AGENT, virtualNetworkId: LAB, page: 2, perPage: 10 }]);
    assert.equal(page.page, 2);
    assert.deepEqual(await listTunnelRoutes(deps, admin, { is_deleted: true }), {
      items: [],
      page: 1,
      perPage: 1000,
      totalCount: 0,
    });
    assert.equal(listed.length, 1);
    assert.equal((await listTunnelRoutes(deps, admin, { is_deleted: false })).totalCount, 1);
  });

  it('deletes a route, auditing what it was, in the same transaction', async () => {
    const { deps, audit, routes } = world();
    const route = await createTunnelRoute(deps, admin, { network: '10.0.0.0/8', tunnel_id: AGENT });
    const deleted = await deleteTunnelRoute(deps, admin, route.id);
    assert.deepEqual(deleted, { ...route, deletedAt: NOW });
    assert.equal(routes.size, 0);
    assert.deepEqual(audit.actions(), ['tunnel_route.create', 'tunnel_route.delete']);
    const event = audit.events[1]!;
    assert.equal(event.inTransaction, true);
    assert.equal(event.resourceId, route.id);
    assert.equal((event.before as { network: string; deleted_at?: string }).network, '10.0.0.0/8');
    assert.equal((event.before as { deleted_at?: string }).deleted_at, undefined);
    await assert.rejects(
      deleteTunnelRoute(deps, admin, route.id),
      (error: unknown) => error instanceof LatchkeyError && error.code === 'not_found',
    );
    assert.equal(audit.events.length, 2);
  });

  it('finds the route an address takes: the longest prefix, in the network asked, the default, or all', async () => {
    const { deps } = world();
    const wide = await createTunnelRoute(deps, admin, { network: '10.0.0.0/8', tunnel_id: AGENT });
    const narrow = await createTunnelRoute(deps, admin, { network: '10.77.0.0/16', tunnel_id: AGENT });
    const inLab = await createTunnelRoute(deps, admin, {
      network: '10.77.3.0/24',
      tunnel_id: AGENT,
      virtual_network_id: LAB,
    });
    const found = await findTunnelRouteForIp(deps, admin, '10.77.3.9', {});
    assert.equal(found.id, narrow.id);
    assert.equal(found.tunnel_name, 'connector-1');
    assert.equal(found.virtual_network_name, DEFAULT_NET);
    assert.equal((await findTunnelRouteForIp(deps, admin, '10.1.2.3', {})).id, wide.id);
    assert.equal(
      (await findTunnelRouteForIp(deps, admin, '10.77.3.9', { virtual_network_id: LAB.toUpperCase() })).id,
      inLab.id,
    );
    assert.equal(
      (await findTunnelRouteForIp(deps, admin, '10.77.3.9', { default_virtual_network_fallback: false })).id,
      inLab.id,
    );
    await assert.rejects(
      findTunnelRouteForIp(deps, admin, '192.168.0.1', {}),
      (error: unknown) =>
        error instanceof LatchkeyError &&
        error.code === 'not_found' &&
        error.message === `no route of the default virtual network (${DEFAULT_NET}) holds 192.168.0.1`,
    );
    await assert.rejects(
      findTunnelRouteForIp(deps, admin, '10.77.3', {}),
      refusal('invalid_argument', '/ip', /"10\.77\.3" is not an IPv4 or IPv6 address/),
    );
    await assert.rejects(
      findTunnelRouteForIp(deps, admin, '10.0.0.1', {
        virtual_network_id: '99999999-9999-4999-8999-999999999999',
      }),
      (error: unknown) => error instanceof LatchkeyError && error.code === 'not_found',
    );
  });

  it('updates the fields given, canonical, and audits before and after in the transaction', async () => {
    const { deps, audit, routes } = world();
    const route = await createTunnelRoute(deps, admin, {
      network: '10.0.0.0/8',
      tunnel_id: AGENT,
      comment: 'a',
    });
    const after = await updateTunnelRoute(deps, admin, route.id, {
      network: 'FD00::/64',
      virtual_network_id: LAB.toUpperCase(),
    });
    assert.deepEqual(after, { ...route, network: 'fd00::/64', virtualNetworkId: LAB });
    assert.deepEqual(routes.get(route.id), after);
    assert.deepEqual(audit.actions(), ['tunnel_route.create', 'tunnel_route.update']);
    const event = audit.events[1]!;
    assert.equal(event.inTransaction, true);
    assert.equal((event.before as { network: string }).network, '10.0.0.0/8');
    assert.equal((event.after as { network: string }).network, 'fd00::/64');
    assert.equal((event.after as { virtual_network_id: string }).virtual_network_id, LAB);
  });

  it('refuses an update with a bad network, agent or network, or of a missing route, changing nothing', async () => {
    const { deps, audit, routes } = world();
    const route = await createTunnelRoute(deps, admin, { network: '10.0.0.0/8', tunnel_id: AGENT });
    const missing = '99999999-9999-4999-8999-999999999999';
    await assert.rejects(
      updateTunnelRoute(deps, admin, route.id, { network: '10.0.0.1/8' }),
      refusal('invalid_argument', '/network', /the network is 10\.0\.0\.0\/8/),
    );
    await assert.rejects(
      updateTunnelRoute(deps, admin, route.id, { tunnel_id: missing }),
      refusal('invalid_argument', '/tunnel_id', /is not an agent of this account/),
    );
    await assert.rejects(
      updateTunnelRoute(deps, admin, route.id, { virtual_network_id: missing }),
      refusal('invalid_argument', '/virtual_network_id', /does not exist/),
    );
    await assert.rejects(
      updateTunnelRoute(deps, admin, 'route-404', { comment: 'x' }),
      (error: unknown) => error instanceof LatchkeyError && error.code === 'not_found',
    );
    assert.deepEqual(routes.get(route.id), route);
    assert.deepEqual(audit.actions(), ['tunnel_route.create']);
  });

  it("names agents and networks for lists (Cloudflare's tunnel_name and virtual_network_name)", async () => {
    const { deps } = world();
    const names = await tunnelRouteNames(deps, admin);
    assert.deepEqual([...names.agents], [[AGENT, 'connector-1']]);
    assert.deepEqual(
      [...names.networks],
      [
        [DEFAULT_NET, DEFAULT_NET],
        [LAB, LAB],
      ],
    );
  });
});
