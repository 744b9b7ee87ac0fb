import assert from 'node:assert/strict';
import { startTestServer } from '../support/test-server.js';
import type { TestServer } from '../support/test-server.js';

describe('server HTTP: virtual networks', () => {
  let server: TestServer;
  let vnets: string;

  beforeEach(async () => {
    server = await startTestServer();
    vnets = `${server.base}/teamnet/virtual_networks`;
  });
  afterEach(async () => server?.close());

  async function list(): Promise<{ id: string; name: string; is_default_network: boolean }[]> {
    return (await server.call('GET', vnets)).body.result;
  }

  it('every account starts with one network named default, which is the default', async () => {
    const networks = await list();
    assert.equal(networks.length, 1);
    const [network] = networks;
    assert.deepEqual(Object.keys(network!).sort(), [
      'comment',
      'created_at',
      'id',
      'is_default_network',
      'name',
    ]);
    assert.equal(network!.name, 'default');
    assert.equal(network!.is_default_network, true);
  });

  it('creates, gets, patches; making one default clears the other; exactly one default', async () => {
    const created = await server.call('POST', vnets, { body: { name: 'lab', comment: 'the lab' } });
    assert.equal(created.status, 200);
    assert.equal(created.body.result.is_default_network, false);
    assert.equal(created.body.result.comment, 'the lab');
    const id = created.body.result.id;
    assert.deepEqual((await server.call('GET', `${vnets}/${id}`)).body.result, created.body.result);

    const patched = await server.call('PATCH', `${vnets}/${id}`, {
      body: { is_default_network: true, name: 'lab2' },
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(patched.body.result.is_default_network, true);
    assert.equal(patched.body.result.name, 'lab2');
    const defaults = (await list()).filter((n) => n.is_default_network);
    assert.deepEqual(
      defaults.map((n) => n.id),
      [id],
    );
    // A target without a network now lands in the new default.
    const target = await server.call('POST', `${server.base}/infrastructure/targets`, {
      body: { hostname: 'h', ip: { ipv4: { ip_addr: '10.0.0.1' } } },
    });
    assert.equal(target.body.result.ip.ipv4.virtual_network_id, id);

    const createdDefault = await server.call('POST', vnets, {
      body: { name: 'third', is_default_network: true },
    });
    assert.equal(createdDefault.body.result.is_default_network, true);
    assert.equal((await list()).filter((n) => n.is_default_network).length, 1);
  });

  it('refuses to un-default the default, to delete the default, and to delete a network in use', async () => {
    const [original] = await list();
    const unset = await server.call('PATCH', `${vnets}/${original!.id}`, {
      body: { is_default_network: false },
    });
    assert.equal(unset.status, 409);
    const deleteDefault = await server.call('DELETE', `${vnets}/${original!.id}`);
    assert.equal(deleteDefault.status, 409);
    assert.match(deleteDefault.body.errors[0].message, /default/);

    const lab = (await server.call('POST', vnets, { body: { name: 'lab' } })).body.result;
    await server.call('POST', `${server.base}/infrastructure/targets`, {
      body: { hostname: 'h', ip: { ipv4: { ip_addr: '10.0.0.1', virtual_network_id: lab.id } } },
    });
    const inUse = await server.call('DELETE', `${vnets}/${lab.id}`);
    assert.equal(inUse.status, 409);
    assert.equal((await list()).length, 2);
  });

  it('deletes an unused network, answering it with deleted_at', async () => {
    const lab = (await server.call('POST', vnets, { body: { name: 'lab' } })).body.result;
    const deleted = await server.call('DELETE', `${vnets}/${lab.id}`);
    assert.equal(deleted.status, 200);
    assert.equal(deleted.body.result.id, lab.id);
    assert.match(deleted.body.result.deleted_at, /Z$/);
    assert.equal((await server.call('GET', `${vnets}/${lab.id}`)).status, 404);
  });

  it('filters the list by name, is_default and id', async () => {
    const lab = (await server.call('POST', vnets, { body: { name: 'lab' } })).body.result;
    const names = async (query: string) =>
      (await server.call('GET', `${vnets}?${query}`)).body.result.map((n: { name: string }) => n.name);
    assert.deepEqual(await names('name=lab'), ['lab']);
    assert.deepEqual(await names('is_default=true'), ['default']);
    assert.deepEqual(await names(`id=${lab.id}`), ['lab']);
  });

  const invalid: { name: string; method: 'POST' | 'PATCH'; body: unknown; pointer: string; status?: number }[] = [
    { name: 'missing name', method: 'POST', body: {}, pointer: '/name' },
    { name: 'empty name', method: 'POST', body: { name: '' }, pointer: '/name' },
    { name: 'name not a string', method: 'POST', body: { name: 1 }, pointer: '/name' },
    { name: 'is_default_network not a boolean', method: 'POST', body: { name: 'x', is_default_network: 'yes' }, pointer: '/is_default_network' },
    { name: 'contradicting is_default', method: 'POST', body: { name: 'x', is_default_network: true, is_default: false }, pointer: '/is_default' },
    { name: 'unknown field', method: 'POST', body: { name: 'x', tunnel: 1 }, pointer: '/tunnel' },
    { name: 'patch with unknown field', method: 'PATCH', body: { nam: 'x' }, pointer: '/nam' },
  ]; // prettier-ignore
  for (const { name, method, body, pointer } of invalid) {
    it(`refuses ${name} (${method}) at ${pointer}, storing nothing`, async () => {
      const [original] = await list();
      const url = method === 'POST' ? vnets : `${vnets}/${original!.id}`;
      const response = await server.call(method, url, { body });
      assert.equal(response.status, 400, JSON.stringify(response.body));
      assert.equal(response.body.errors[0].source.pointer, pointer);
      assert.deepEqual(await list(), [original]);
    });
  }

  it('a duplicate name is a conflict', async () => {
    await server.call('POST', vnets, { body: { name: 'lab' } });
    const again = await server.call('POST', vnets, { body: { name: 'lab' } });
    assert.equal(again.status, 409);
  });
});
