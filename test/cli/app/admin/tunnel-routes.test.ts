/** `latchkey admin routes [create|delete]` over a fake API: the agent and network named, the filters, the id checked. */
import assert from 'node:assert/strict';
import {
  LatchkeyError,
  isLatchkeyError,
  type Account,
  type Agent,
  type TunnelRoute,
  type TunnelRouteCreateBody,
  type VirtualNetwork,
} from '@latchkey/shared';
import type { TunnelRoutesApi } from '../../../../cli/src/app/admin/ports.js';
import {
  createAdminTunnelRoute,
  deleteAdminTunnelRoute,
  listAdminTunnelRoutes,
} from '../../../../cli/src/app/admin/tunnel-routes.js';

const AGENT_1 = '11111111-1111-4111-8111-111111111111';
const AGENT_2 = '22222222-2222-4222-8222-222222222222';
const AGENT_3 = '33333333-3333-4333-8333-333333333333';
const DEFAULT_NET = '44444444-4444-4444-8444-444444444444';
const LAB = '55555555-5555-4555-8555-555555555555';
const ROUTE = '66666666-6666-4666-8666-666666666666';

const agent = (id: string, hostname: string): Agent => ({ id, hostname }) as Agent;
const network = (id: string, name: string): VirtualNetwork => ({
  id,
  name,
  comment: '',
  is_default_network: id === DEFAULT_NET,
  created_at: '2026-01-01T00:00:00Z',
});
const route = (id: string, tunnelId: string, networkId = DEFAULT_NET): TunnelRoute => ({
  id,
  network: '10.77.0.0/24',
  tunnel_id: tunnelId,
  virtual_network_id: networkId,
  comment: '',
  created_at: '2026-12-07T12:00:00Z',
});

class FakeRoutesApi implements TunnelRoutesApi {
  readonly url = 'https://access.example.com';
  calls: string[] = [];
  created: TunnelRouteCreateBody[] = [];
  routes = Array.from({ length: 150 }, (_, i) => route(`route-${i}`, AGENT_1));
  async accounts(): Promise<Account[]> {
    return [{ id: 'acc-1', name: 'acc-1', type: 'standard', created_on: '2026-01-01T00:00:00Z' }];
  }
  async listAgents() {
    return [agent(AGENT_1, 'connector-1'), agent(AGENT_2, 'twin'), agent(AGENT_3, 'twin')];
  }
  async listVirtualNetworks(_accountId: string, query: { name?: string }) {
    const all = [network(DEFAULT_NET, 'default'), network(LAB, 'lab')];
    return query.name === undefined ? all : all.filter((n) => n.name === query.name);
  }
  async listTunnelRoutes(
    accountId: string,
    query: { tunnel_id?: string; virtual_network_id?: string; page: number; per_page: number },
  ) {
    this.calls.push(`list ${accountId} ${JSON.stringify(query)}`);
    const start = (query.page - 1) * query.per_page;
    return {
      items: this.routes.slice(start, start + query.per_page),
      totalPages: Math.ceil(this.routes.length / query.per_page),
    };
  }
  async createTunnelRoute(accountId: string, body: TunnelRouteCreateBody) {
    this.calls.push(`create ${accountId}`);
    this.created.push(body);
    return { ...route(ROUTE, body.tunnel_id, body.virtual_network_id ?? DEFAULT_NET), network: body.network };
  }
  async deleteTunnelRoute(accountId: string, routeId: string) {
    this.calls.push(`delete ${accountId} ${routeId}`);
    if (routeId !== ROUTE) throw new LatchkeyError('not_found', `tunnel route ${routeId} was not found`);
    return { ...route(ROUTE, AGENT_1), deleted_at: '2026-12-07T13:00:00Z' };
  }
}

describe('cli/app/admin: tunnel routes', () => {
  it('lists every page, with the names of agents and networks', async () => {
    const api = new FakeRoutesApi();
    const listed = await listAdminTunnelRoutes(api, {});
    assert.equal(listed.routes.length, 150);
    assert.equal(listed.agentNames.get(AGENT_1), 'connector-1');
    assert.equal(listed.networkNames.get(LAB), 'lab');
    assert.deepEqual(api.calls, [
      'list acc-1 {"page":1,"per_page":100}',
      'list acc-1 {"page":2,"per_page":100}',
    ]);
  });

  it('filters by an agent named by hostname or id, and a network named by name', async () => {
    const api = new FakeRoutesApi();
    api.routes = [];
    await listAdminTunnelRoutes(api, { agent: 'connector-1', vnet: 'lab' });
    await listAdminTunnelRoutes(api, { agent: AGENT_2.toUpperCase() });
    assert.deepEqual(api.calls, [
      `list acc-1 {"tunnel_id":"${AGENT_1}","virtual_network_id":"${LAB}","page":1,"per_page":100}`,
      `list acc-1 {"tunnel_id":"${AGENT_2}","page":1,"per_page":100}`,
    ]);
  });

  it('creates a route to the agent named, in the network named or the default', async () => {
    const api = new FakeRoutesApi();
    const made = await createAdminTunnelRoute(api, {
      network: '10.77.0.0/24',
      agent: 'connector-1',
      vnet: 'lab',
      comment: 'site A',
    });
    assert.equal(made.agent.hostname, 'connector-1');
    assert.equal(made.route.id, ROUTE);
    await createAdminTunnelRoute(api, { network: 'fd00::/64', agent: AGENT_3 });
    assert.deepEqual(api.created, [
      { network: '10.77.0.0/24', tunnel_id: AGENT_1, virtual_network_id: LAB, comment: 'site A' },
      { network: 'fd00::/64', tunnel_id: AGENT_3 },
    ]);
  });

  it('refuses an agent no one has or two have, and an unknown network, before creating', async () => {
    const api = new FakeRoutesApi();
    await assert.rejects(
      createAdminTunnelRoute(api, { network: '10.0.0.0/8', agent: 'nobody' }),
      (e) =>
        isLatchkeyError(e, 'not_found') && e.pointer === '--agent' && /latchkey admin agents/.test(e.message),
    );
    await assert.rejects(
      createAdminTunnelRoute(api, { network: '10.0.0.0/8', agent: 'twin' }),
      (e) => isLatchkeyError(e, 'conflict') && e.message.includes(AGENT_2) && e.message.includes(AGENT_3),
    );
    await assert.rejects(
      createAdminTunnelRoute(api, { network: '10.0.0.0/8', agent: 'connector-1', vnet: 'nope' }),
      (e) => isLatchkeyError(e, 'not_found') && e.pointer === '--vnet',
    );
    assert.deepEqual(api.created, []);
  });

  it('deletes by id; an id that is not one is refused before asking', async () => {
    const api = new FakeRoutesApi();
    const deleted = await deleteAdminTunnelRoute(api, { routeId: ROUTE.toUpperCase() });
    assert.equal(deleted.deleted_at, '2026-12-07T13:00:00Z');
    await assert.rejects(
      deleteAdminTunnelRoute(api, { routeId: '../agents' }),
      (e) => isLatchkeyError(e, 'invalid_argument') && e.pointer === 'ROUTE_ID',
    );
    await assert.rejects(deleteAdminTunnelRoute(api, { routeId: AGENT_1 }), (e) =>
      isLatchkeyError(e, 'not_found'),
    );
    assert.deepEqual(api.calls, [`delete acc-1 ${ROUTE}`, `delete acc-1 ${AGENT_1}`]);
  });
});
