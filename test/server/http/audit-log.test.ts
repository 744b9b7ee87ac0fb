import assert from 'node:assert/strict';
import { startTestServer } from '../support/test-server.js';
import type { Json, TestServer } from '../support/test-server.js';

describe('server HTTP: audit events', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer();
  });
  afterEach(async () => server?.close());

  async function events(query = ''): Promise<Json[]> {
    const response = await server.call('GET', `/v1/audit${query}`);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    return response.body.result;
  }

  it('every change writes one event: actor, action, resource, before/after, time; newest first', async () => {
    const targets = `${server.base}/infrastructure/targets`;
    const created = (
      await server.call('POST', targets, { body: { hostname: 'a', ip: { ipv4: { ip_addr: '10.0.0.1' } } } })
    ).body.result;
    await server.call('PUT', `${targets}/${created.id}`, {
      body: { hostname: 'b', ip: { ipv4: { ip_addr: '10.0.0.1' } } },
    });
    await server.call('DELETE', `${targets}/${created.id}`);
    const adminTokenId = (await server.call('GET', '/client/v4/user/tokens/verify')).body.result.id;

    const all = (await events()).filter((e) => e.resource_type === 'target');
    assert.deepEqual(
      all.map((e) => e.action),
      ['target.delete', 'target.update', 'target.create'],
    );
    const [deleted, updated, create] = all;
    assert.equal(create.actor, `token:${adminTokenId}`);
    assert.equal(create.resource_id, created.id);
    assert.equal(create.before, undefined);
    assert.deepEqual(create.after, created);
    assert.equal(updated.before.hostname, 'a');
    assert.equal(updated.after.hostname, 'b');
    assert.equal(deleted.after, undefined);
    assert.equal(deleted.before.id, created.id);
    assert.match(create.created_at, /Z$/);
  });

  it('rejected requests write no event', async () => {
    const before = (await events()).length;
    await server.call('POST', `${server.base}/infrastructure/targets`, { body: { hostname: 'a b', ip: {} } });
    await server.call('POST', `${server.base}/access/apps`, { body: { name: 'x' } });
    await server.call('DELETE', `${server.base}/teamnet/virtual_networks/${await server.defaultNetworkId()}`);
    assert.equal((await events()).length, before);
  });

  it('filters by action and pages', async () => {
    for (let n = 1; n <= 5; n++) {
      await server.call('POST', `${server.base}/teamnet/virtual_networks`, { body: { name: `net${n}` } });
    }
    const creates = await events('?action=virtual_network.create');
    assert.equal(creates.length, 5);
    assert.ok(creates.every((e) => e.action === 'virtual_network.create'));
    const page2 = await server.call('GET', '/v1/audit?action=virtual_network.create&per_page=2&page=2');
    assert.equal(page2.body.result.length, 2);
    assert.deepEqual(
      { ...page2.body.result_info },
      { page: 2, per_page: 2, count: 2, total_count: 5, total_pages: 3 },
    );
    assert.deepEqual(
      page2.body.result.map((e: { after: { name: string } }) => e.after.name),
      ['net3', 'net2'],
    );
    const bad = await server.call('GET', '/v1/audit?page=0');
    assert.equal(bad.status, 400);
  });
});
