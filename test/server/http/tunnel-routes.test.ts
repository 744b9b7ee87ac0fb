// Tunnel routes over HTTP (Cloudflare's teamnet/routes) on the in-memory SQLite store: the fields
// Cloudflare names, the canonical network, the default virtual network, filters and paging, the refusals
// (400 with a pointer, 404, 409), audit events, and what happens to routes when their agent or virtual
// network goes. The use cases over fakes: test/server/app/tunnel-routes.test.ts.
import assert from 'node:assert/strict';
import { startTestServer } from '../support/test-server.js';
import type { Json, TestServer } from '../support/test-server.js';

describe('server HTTP: tunnel routes', () => {
  let server: TestServer;
  let routes: string;

  beforeEach(async () => {
    server = await startTestServer();
    routes = `${server.base}/teamnet/routes`;
  });
  afterEach(async () => server?.close());

  /** A connector: an agent enrolled through the API, with no target of its own. */
  async function connector(hostname: string): Promise<string> {
    const joinToken = await server.call('POST', `${server.base}/latchkey/join_tokens`, {
      body: { name: hostname },
    });
    assert.equal(joinToken.status, 200, JSON.stringify(joinToken.body));
    const enrolled = await server.call('POST', '/v1/agents/enroll', {
      token: null,
      body: {
        join_token: joinToken.body.result.token,
        hostname,
        agent: { version: '0.1.0', distro: 'debian 12' },
      },
    });
    assert.equal(enrolled.status, 200, JSON.stringify(enrolled.body));
    return enrolled.body.result.agent_id;
  }

  async function create(body: unknown): Promise<Json> {
    const response = await server.call('POST', routes, { body });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    return response.body.result;
  }

  async function list(query = ''): Promise<Json> {
    const response = await server.call('GET', `${routes}${query}`);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    return response.body;
  }

  it('creates a route in the default network with Cloudflare fields, gets, lists and deletes it', async () => {
    const agentId = await connector('connector-1');
    const created = await create({ network: '10.77.0.0/24', tunnel_id: agentId, comment: 'the lab' });
    assert.deepEqual(Object.keys(created).sort(), [
      'comment',
      'created_at',
      'id',
      'network',
      'tunnel_id',
      'virtual_network_id',
    ]);
    assert.equal(created.network, '10.77.0.0/24');
    assert.equal(created.tunnel_id, agentId);
    assert.equal(created.virtual_network_id, await server.defaultNetworkId());
    assert.equal(created.comment, 'the lab');
    assert.deepEqual((await server.call('GET', `${routes}/${created.id}`)).body.result, created);
    assert.deepEqual(
      (await server.call('GET', `${routes}/${created.id.toUpperCase()}`)).body.result,
      created,
    );
    const listed = await list();
    assert.deepEqual(listed.result, [
      { ...created, tunnel_name: 'connector-1', virtual_network_name: 'default' },
    ]);
    assert.deepEqual(listed.result_info, {
      page: 1,
      per_page: 1000,
      count: 1,
      total_count: 1,
      total_pages: 1,
    });

    const deleted = await server.call('DELETE', `${routes}/${created.id}`);
    assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
    assert.deepEqual(
      { ...deleted.body.result, deleted_at: undefined },
      { ...created, deleted_at: undefined },
    );
    assert.match(deleted.body.result.deleted_at, /^\d{4}-\d\d-\d\dT/);
    assert.equal((await server.call('GET', `${routes}/${created.id}`)).status, 404);
    assert.equal((await server.call('DELETE', `${routes}/${created.id}`)).status, 404);
    assert.deepEqual((await list()).result, []);

    const events = (await server.call('GET', '/v1/audit?resource_type=tunnel_route')).body.result as Json[];
    const ours = events.filter((event) => event.resource_id === created.id);
    assert.deepEqual(
      ours.map((event) => event.action),
      ['tunnel_route.delete', 'tunnel_route.create'],
    );
    assert.equal(ours[1].after.network, '10.77.0.0/24');
    assert.equal(ours[1].after.tunnel_name, 'connector-1');
    assert.equal(ours[0].before.id, created.id);
  });

  it('answers the canonical network, in the virtual network given', async () => {
    const agentId = await connector('connector-1');
    const lab = (
      await server.call('POST', `${server.base}/teamnet/virtual_networks`, { body: { name: 'lab' } })
    ).body.result;
    const v6 = await create({
      network: 'FD00:0077:0000::/48',
      tunnel_id: agentId,
      virtual_network_id: lab.id,
    });
    assert.equal(v6.network, 'fd00:77::/48');
    assert.equal(v6.virtual_network_id, lab.id);
    assert.equal(v6.comment, '');
    const host = await create({ network: '192.168.1.9', tunnel_id: agentId.toUpperCase() });
    assert.equal(host.network, '192.168.1.9/32');
    assert.equal(host.tunnel_id, agentId);
  });

  it('filters by tunnel_id and virtual_network_id, pages oldest first; is_deleted=true is none', async () => {
    const one = await connector('connector-1');
    const two = await connector('connector-2');
    const lab = (
      await server.call('POST', `${server.base}/teamnet/virtual_networks`, { body: { name: 'lab' } })
    ).body.result;
    for (let i = 0; i < 5; i += 1) {
      await create({
        network: `10.${i}.0.0/16`,
        tunnel_id: i % 2 === 0 ? one : two,
        ...(i >= 3 ? { virtual_network_id: lab.id } : {}),
      });
    }
    const networks = (body: Json) => body.result.map((route: Json) => route.network);
    assert.deepEqual(networks(await list()), [
      '10.0.0.0/16',
      '10.1.0.0/16',
      '10.2.0.0/16',
      '10.3.0.0/16',
      '10.4.0.0/16',
    ]);
    assert.deepEqual(networks(await list(`?tunnel_id=${one}`)), [
      '10.0.0.0/16',
      '10.2.0.0/16',
      '10.4.0.0/16',
    ]);
    assert.deepEqual(networks(await list(`?virtual_network_id=${lab.id}`)), ['10.3.0.0/16', '10.4.0.0/16']);
    assert.deepEqual(networks(await list(`?virtual_network_id=${lab.id}&tunnel_id=${two}`)), ['10.3.0.0/16']);
    const page = await list('?per_page=2&page=3');
    assert.deepEqual(networks(page), ['10.4.0.0/16']);
    assert.deepEqual(page.result_info, { page: 3, per_page: 2, count: 1, total_count: 5, total_pages: 3 });
    assert.deepEqual(networks(await list('?per_page=2&page=4')), []);
    assert.deepEqual(networks(await list('?is_deleted=true')), []);
    assert.equal(networks(await list('?is_deleted=false')).length, 5);
    assert.equal((await server.call('GET', `${routes}?network=10.0.0.0/16`)).status, 400);
  });

  it('the same network twice in one virtual network is a conflict naming the route', async () => {
    const agentId = await connector('connector-1');
    const first = await create({ network: '10.77.0.0/24', tunnel_id: agentId });
    const again = await server.call('POST', routes, {
      body: { network: '10.77.0.0/24', tunnel_id: agentId },
    });
    assert.equal(again.status, 409);
    assert.match(
      again.body.errors[0].message,
      new RegExp(`10\\.77\\.0\\.0/24 .* already routed \\(route ${first.id}\\)`),
    );
    assert.equal((await list()).result.length, 1);
  });

  const invalid: { name: string; body: (agentId: string) => unknown; pointer: string; message?: RegExp }[] = [
    { name: 'host bits set', body: (a) => ({ network: '10.77.0.5/24', tunnel_id: a }), pointer: '/network', message: /host bits set past \/24: the network is 10\.77\.0\.0\/24/ },
    { name: 'an IPv4 prefix over 32', body: (a) => ({ network: '10.0.0.0/33', tunnel_id: a }), pointer: '/network', message: /from 0 to 32/ },
    { name: 'an IPv6 prefix over 128', body: (a) => ({ network: 'fd00::/129', tunnel_id: a }), pointer: '/network', message: /from 0 to 128/ },
    { name: 'not an address', body: (a) => ({ network: 'lab.example/24', tunnel_id: a }), pointer: '/network', message: /is not an address/ },
    { name: 'an empty network', body: (a) => ({ network: '', tunnel_id: a }), pointer: '/network' },
    { name: 'a missing network', body: (a) => ({ tunnel_id: a }), pointer: '/network' },
    { name: 'a missing tunnel_id', body: () => ({ network: '10.0.0.0/8' }), pointer: '/tunnel_id' },
    { name: 'a tunnel_id not a UUID', body: () => ({ network: '10.0.0.0/8', tunnel_id: 'connector-1' }), pointer: '/tunnel_id' },
    { name: 'an unknown agent', body: () => ({ network: '10.0.0.0/8', tunnel_id: '99999999-9999-4999-8999-999999999999' }), pointer: '/tunnel_id', message: /is not an agent of this account/ },
    { name: 'an unknown virtual network', body: (a) => ({ network: '10.0.0.0/8', tunnel_id: a, virtual_network_id: '99999999-9999-4999-8999-999999999999' }), pointer: '/virtual_network_id', message: /does not exist/ },
    { name: 'an unknown field', body: (a) => ({ network: '10.0.0.0/8', tunnel_id: a, tunnel_name: 'x' }), pointer: '/tunnel_name' },
  ]; // prettier-ignore
  for (const { name, body, pointer, message } of invalid) {
    it(`refuses ${name} (400 at ${pointer}), storing nothing`, async () => {
      const agentId = await connector('connector-1');
      const response = await server.call('POST', routes, { body: body(agentId) });
      assert.equal(response.status, 400, JSON.stringify(response.body));
      assert.equal(response.body.errors[0].source.pointer, pointer);
      if (message !== undefined) assert.match(response.body.errors[0].message, message);
      assert.deepEqual((await list()).result, []);
    });
  }

  it('needs Zero Trust: Read to list and Edit to change', async () => {
    const agentId = await connector('connector-1');
    const reader = await server.token(['Zero Trust: Read']);
    assert.equal((await server.call('GET', routes, { token: reader })).status, 200);
    const refused = await server.call('POST', routes, {
      token: reader,
      body: { network: '10.0.0.0/8', tunnel_id: agentId },
    });
    assert.equal(refused.status, 403);
    assert.deepEqual((await list()).result, []);
  });

  it("an agent's routes go with it; a replaced agent keeps them", async () => {
    const one = await connector('connector-1');
    const two = await connector('connector-2');
    await create({ network: '10.1.0.0/16', tunnel_id: one });
    const kept = await create({ network: '10.2.0.0/16', tunnel_id: two });

    const replace = await server.call('POST', `${server.base}/latchkey/agents/${two}/replace`, { body: {} });
    assert.equal(replace.status, 200, JSON.stringify(replace.body));
    const reenrolled = await server.call('POST', '/v1/agents/enroll', {
      token: null,
      body: {
        join_token: replace.body.result.token,
        hostname: 'connector-2b',
        agent: { version: '0.1.0', distro: 'debian 12' },
      },
    });
    assert.equal(reenrolled.status, 200, JSON.stringify(reenrolled.body));
    assert.equal(reenrolled.body.result.agent_id, two);

    const removed = await server.call('DELETE', `${server.base}/latchkey/agents/${one}`);
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    assert.deepEqual((await list()).result, [
      { ...kept, tunnel_name: 'connector-2b', virtual_network_name: 'default' },
    ]);
  });

  it('a virtual network with routes cannot be deleted: 409 naming them', async () => {
    const agentId = await connector('connector-1');
    const vnets = `${server.base}/teamnet/virtual_networks`;
    const lab = (await server.call('POST', vnets, { body: { name: 'lab' } })).body.result;
    const route = await create({ network: '10.9.0.0/16', tunnel_id: agentId, virtual_network_id: lab.id });
    const refused = await server.call('DELETE', `${vnets}/${lab.id}`);
    assert.equal(refused.status, 409);
    assert.match(
      refused.body.errors[0].message,
      new RegExp(`1 tunnel route\\(s\\): 10\\.9\\.0\\.0/16 \\(route ${route.id}\\)`),
    );
    await server.call('DELETE', `${routes}/${route.id}`);
    assert.equal((await server.call('DELETE', `${vnets}/${lab.id}`)).status, 200);
  });

  it('GET …/routes/ip/{ip}: the route an address takes, with the names; 404 when none, 400 for no address', async () => {
    const agentId = await connector('connector-1');
    await create({ network: '10.0.0.0/8', tunnel_id: agentId });
    const narrow = await create({ network: '10.77.0.0/16', tunnel_id: agentId, comment: 'site A' });
    const v6 = await create({ network: 'fd00:77::/48', tunnel_id: agentId });
    const found = await server.call('GET', `${routes}/ip/10.77.3.9`);
    assert.equal(found.status, 200, JSON.stringify(found.body));
    assert.deepEqual(found.body.result, {
      ...narrow,
      tunnel_name: 'connector-1',
      virtual_network_name: 'default',
    });
    assert.equal((await server.call('GET', `${routes}/ip/FD00:77:0:0::5`)).body.result.id, v6.id);
    const none = await server.call('GET', `${routes}/ip/192.168.0.1`);
    assert.equal(none.status, 404);
    assert.match(
      none.body.errors[0].message,
      /no route of the default virtual network .* holds 192\.168\.0\.1/,
    );
    const lab = (
      await server.call('POST', `${server.base}/teamnet/virtual_networks`, { body: { name: 'lab' } })
    ).body.result;
    assert.equal(
      (await server.call('GET', `${routes}/ip/10.77.3.9?virtual_network_id=${lab.id}`)).status,
      404,
    );
    const inLab = await create({ network: '10.77.3.0/24', tunnel_id: agentId, virtual_network_id: lab.id });
    assert.equal(
      (await server.call('GET', `${routes}/ip/10.77.3.9?default_virtual_network_fallback=false`)).body.result
        .id,
      inLab.id,
    );
    assert.equal((await server.call('GET', `${routes}/ip/10.77.3.9`)).body.result.id, narrow.id);
    const bad = await server.call('GET', `${routes}/ip/10.77.3`);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.errors[0].source.pointer, '/ip');
  });

  it('PATCH changes the fields given; the same refusals as a create', async () => {
    const one = await connector('connector-1');
    const two = await connector('connector-2');
    const route = await create({ network: '10.1.0.0/16', tunnel_id: one, comment: 'first' });
    const taken = await create({ network: '10.2.0.0/16', tunnel_id: one });
    const patched = await server.call('PATCH', `${routes}/${route.id}`, {
      body: { network: '10.3.0.0/16', tunnel_id: two, comment: 'moved' },
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.deepEqual(patched.body.result, {
      ...route,
      network: '10.3.0.0/16',
      tunnel_id: two,
      comment: 'moved',
    });
    assert.deepEqual((await server.call('GET', `${routes}/${route.id}`)).body.result, patched.body.result);
    const clash = await server.call('PATCH', `${routes}/${route.id}`, { body: { network: '10.2.0.0/16' } });
    assert.equal(clash.status, 409);
    assert.match(clash.body.errors[0].message, new RegExp(`already routed \\(route ${taken.id}\\)`));
    const hostBits = await server.call('PATCH', `${routes}/${route.id}`, {
      body: { network: '10.3.0.1/16' },
    });
    assert.equal(hostBits.status, 400);
    assert.equal(hostBits.body.errors[0].source.pointer, '/network');
    const unknownField = await server.call('PATCH', `${routes}/${route.id}`, { body: { tunnel_name: 'x' } });
    assert.equal(unknownField.status, 400);
    const missing = await server.call('PATCH', `${routes}/99999999-9999-4999-8999-999999999999`, {
      body: { comment: 'x' },
    });
    assert.equal(missing.status, 404);
    assert.deepEqual((await server.call('GET', `${routes}/${route.id}`)).body.result, patched.body.result);
    const events = (await server.call('GET', '/v1/audit?action=tunnel_route.update')).body.result as Json[];
    assert.equal(events.length, 1);
    assert.equal(events[0].before.network, '10.1.0.0/16');
    assert.equal(events[0].after.network, '10.3.0.0/16');
  });
});
