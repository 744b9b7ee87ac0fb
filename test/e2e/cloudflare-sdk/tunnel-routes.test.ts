/**
 * Issue 14 (connectors): Cloudflare's official TypeScript SDK (npm `cloudflare`) drives the tunnel-route
 * API of a real zero-config `latchkey-server` process: `client.zeroTrust.networks.routes` creates, lists
 * (for await to its end, with Cloudflare's filters), gets, edits, finds the route of an address
 * (`routes.ips.get`) and deletes routes; Latchkey's refusals arrive as the SDK's typed errors. The agent
 * is enrolled over plain HTTP, as the installer does.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import Cloudflare from 'cloudflare';
import { findFreePort } from '../../harness/network.js';
import { createTempDir } from '../../harness/temp-dir.js';
import type { TempDir } from '../../harness/temp-dir.js';
import { startServerProcess } from '../server/server-process.js';
import type { ServerProcess } from '../server/server-process.js';

async function all<T>(list: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of list) {
    items.push(item);
    assert.ok(items.length < 10_000, 'the list never ended');
  }
  return items;
}

describe('e2e: the official Cloudflare SDK manages tunnel routes (issue 14)', function () {
  this.timeout(180_000);
  let dir: TempDir;
  let server: ServerProcess;
  let token: string;
  let client: Cloudflare;
  let accountId: string;
  let agentId: string;

  /** A plain API call (the Latchkey-only parts: join tokens, enrolment). */
  async function call(method: string, path: string, body?: unknown, bearer: string | null = token) {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        ...(bearer === null ? {} : { authorization: `Bearer ${bearer}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await response.json()) as { result: Record<string, string> };
    assert.equal(response.status, 200, JSON.stringify(json));
    return json.result;
  }

  before(async () => {
    dir = await createTempDir('cloudflare-sdk-routes');
    const port = await findFreePort('127.0.0.1');
    server = await startServerProcess(['--data-dir', dir.path, '--listen', `127.0.0.1:${port}`]);
    token = (await readFile(dir.file('admin.token'), 'utf8')).trim();
    client = new Cloudflare({ apiToken: token, baseURL: `${server.url}/client/v4` });
    accountId = (await all(client.accounts.list()))[0]!.id;
    const joinToken = await call('POST', `/client/v4/accounts/${accountId}/latchkey/join_tokens`, {
      name: 'connector',
    });
    const enrolled = await call(
      'POST',
      '/v1/agents/enroll',
      {
        join_token: joinToken.token,
        hostname: 'connector-1',
        agent: { version: '0.1.0', distro: 'debian 12' },
      },
      null,
    );
    agentId = enrolled.agent_id!;
  });
  after(async () => {
    await server?.stop();
    await dir?.remove();
  });

  it('creates, lists with filters, gets and deletes routes', async () => {
    const routes = client.zeroTrust.networks.routes;
    const site = await client.zeroTrust.networks.virtualNetworks.create({
      account_id: accountId,
      name: 'site-a',
    });
    const v4 = await routes.create({
      account_id: accountId,
      network: '10.77.0.0/24',
      tunnel_id: agentId,
      comment: 'site A',
    });
    assert.equal(v4.network, '10.77.0.0/24');
    assert.equal(v4.tunnel_id, agentId);
    assert.equal(v4.comment, 'site A');
    const v6 = await routes.create({
      account_id: accountId,
      network: 'FD00:0077::/48',
      tunnel_id: agentId,
      virtual_network_id: site.id!,
    });
    assert.equal(v6.network, 'fd00:77::/48');
    assert.equal(v6.virtual_network_id, site.id);
    assert.notEqual(v4.virtual_network_id, site.id, 'the first is in the default network');

    for (let i = 0; i < 5; i += 1) {
      await routes.create({ account_id: accountId, network: `192.168.${i}.0/24`, tunnel_id: agentId });
    }
    const every = await all(routes.list({ account_id: accountId, per_page: 2 }));
    assert.equal(every.length, 7);
    assert.equal(new Set(every.map((r) => r.id)).size, 7, 'no route twice across pages');
    assert.deepEqual(
      every.slice(0, 2).map((r) => r.network),
      ['10.77.0.0/24', 'fd00:77::/48'],
    );
    assert.deepEqual(
      every.slice(0, 2).map((r) => [r.tunnel_name, r.virtual_network_name]),
      [
        ['connector-1', 'default'],
        ['connector-1', 'site-a'],
      ],
    );
    assert.deepEqual(
      (await all(routes.list({ account_id: accountId, virtual_network_id: site.id! }))).map((r) => r.id),
      [v6.id],
    );
    assert.equal((await all(routes.list({ account_id: accountId, tunnel_id: agentId }))).length, 7);
    assert.deepEqual(await all(routes.list({ account_id: accountId, is_deleted: true })), []);

    const taken = await routes.ips.get('192.168.3.77', { account_id: accountId });
    assert.equal(taken.network, '192.168.3.0/24');
    assert.equal(taken.tunnel_name, 'connector-1');
    assert.equal(taken.virtual_network_name, 'default');
    assert.equal(
      (await routes.ips.get('fd00:77::1', { account_id: accountId, virtual_network_id: site.id! })).id,
      v6.id,
    );
    await assert.rejects(routes.ips.get('fd00:77::1', { account_id: accountId }), Cloudflare.NotFoundError);

    const edited = await routes.edit(v6.id!, { account_id: accountId, comment: 'site A, v6' });
    assert.deepEqual(edited, { ...v6, comment: 'site A, v6' });
    v6.comment = 'site A, v6';
    assert.deepEqual(await routes.get(v6.id!, { account_id: accountId }), v6);
    const deleted = await routes.delete(v6.id!, { account_id: accountId });
    assert.equal(deleted.id, v6.id);
    assert.ok(deleted.deleted_at);
    await assert.rejects(routes.get(v6.id!, { account_id: accountId }), Cloudflare.NotFoundError);
    await client.zeroTrust.networks.virtualNetworks.delete(site.id!, { account_id: accountId });
  });

  it('refusals arrive as the typed errors: host bits, unknown agent, a duplicate, a network in use', async () => {
    const routes = client.zeroTrust.networks.routes;
    await assert.rejects(
      routes.create({ account_id: accountId, network: '10.88.0.5/24', tunnel_id: agentId }),
      (error: unknown) => {
        assert.ok(error instanceof Cloudflare.BadRequestError, String(error));
        assert.match(error.message, /the network is 10\.88\.0\.0\/24/);
        return true;
      },
    );
    await assert.rejects(
      routes.create({
        account_id: accountId,
        network: '10.88.0.0/24',
        tunnel_id: '99999999-9999-4999-8999-999999999999',
      }),
      Cloudflare.BadRequestError,
    );
    const lab = await client.zeroTrust.networks.virtualNetworks.create({
      account_id: accountId,
      name: 'lab',
    });
    const route = await routes.create({
      account_id: accountId,
      network: '10.88.0.0/24',
      tunnel_id: agentId,
      virtual_network_id: lab.id!,
    });
    await assert.rejects(
      routes.create({
        account_id: accountId,
        network: '10.88.0.0/24',
        tunnel_id: agentId,
        virtual_network_id: lab.id!,
      }),
      Cloudflare.ConflictError,
    );
    await assert.rejects(
      client.zeroTrust.networks.virtualNetworks.delete(lab.id!, { account_id: accountId }),
      (error: unknown) => {
        assert.ok(error instanceof Cloudflare.ConflictError, String(error));
        assert.match(
          error.message,
          new RegExp(`tunnel route\\(s\\): 10\\.88\\.0\\.0/24 \\(route ${route.id}\\)`),
        );
        return true;
      },
    );
  });
});
