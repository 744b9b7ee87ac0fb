import assert from 'node:assert/strict';
import { startTestServer } from '../support/test-server.js';
import type { TestServer } from '../support/test-server.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

describe('server HTTP: infrastructure targets', () => {
  let server: TestServer;
  let targets: string;
  let defaultVnet: string;

  beforeEach(async () => {
    server = await startTestServer();
    targets = `${server.base}/infrastructure/targets`;
    defaultVnet = await server.defaultNetworkId();
  });
  afterEach(async () => server?.close());

  async function targetCount(): Promise<number> {
    return (await server.store.targets.list(server.accountId)).totalCount;
  }

  it("round-trips the spec's create example and resolves the default virtual network", async () => {
    const response = await server.call('POST', targets, {
      body: { hostname: 'infra-access-target', ip: { ipv4: { ip_addr: '10.0.0.5' } } },
    });
    assert.equal(response.status, 200);
    const { success, errors, messages, result } = response.body;
    assert.deepEqual({ success, errors, messages }, { success: true, errors: [], messages: [] });
    assert.deepEqual(Object.keys(response.body).sort(), ['errors', 'messages', 'result', 'success']);
    assert.match(result.id, UUID);
    assert.match(result.created_at, RFC3339);
    assert.match(result.modified_at, RFC3339);
    assert.deepEqual(result, {
      id: result.id,
      hostname: 'infra-access-target',
      ip: { ipv4: { ip_addr: '10.0.0.5', virtual_network_id: defaultVnet } },
      tags: {},
      created_at: result.created_at,
      modified_at: result.modified_at,
    });
    const read = await server.call('GET', `${targets}/${result.id}`);
    assert.deepEqual(read.body.result, result);
  });

  it('keeps both address families, with explicit networks, and normalises IPv6', async () => {
    const vnet = (
      await server.call('POST', `${server.base}/teamnet/virtual_networks`, { body: { name: 'lab' } })
    ).body.result.id;
    const { body } = await server.call('POST', targets, {
      body: {
        hostname: 'Web-1.Example',
        ip: {
          ipv4: { ip_addr: '192.168.1.1', virtual_network_id: vnet },
          ipv6: { ip_addr: '2001:DB8:0:0::1' },
        },
      },
    });
    assert.equal(body.success, true, JSON.stringify(body));
    assert.deepEqual(body.result.ip, {
      ipv4: { ip_addr: '192.168.1.1', virtual_network_id: vnet },
      ipv6: { ip_addr: '2001:db8::1', virtual_network_id: defaultVnet },
    });
    assert.equal(body.result.hostname, 'Web-1.Example');
  });

  it('refuses bad JSON with the envelope', async () => {
    const response = await server.call('POST', targets, {
      body: '{"hostname": ',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(response.status, 400);
    assert.equal(response.body.success, false);
    assert.match(response.body.errors[0].message, /not valid JSON/);
  });

  it('answers 409 naming the ip and the vnet for a taken (ip, vnet) pair; another vnet is fine', async () => {
    const body = { hostname: 'a', ip: { ipv4: { ip_addr: '10.1.1.1' } } };
    assert.equal((await server.call('POST', targets, { body })).status, 200);
    const again = await server.call('POST', targets, { body: { hostname: 'b', ip: body.ip } });
    assert.equal(again.status, 409);
    assert.equal(again.body.success, false);
    assert.match(again.body.errors[0].message, /10\.1\.1\.1/);
    assert.ok(again.body.errors[0].message.includes(defaultVnet), again.body.errors[0].message);
    const vnet = (
      await server.call('POST', `${server.base}/teamnet/virtual_networks`, { body: { name: 'other' } })
    ).body.result.id;
    const elsewhere = await server.call('POST', targets, {
      body: { hostname: 'c', ip: { ipv4: { ip_addr: '10.1.1.1', virtual_network_id: vnet } } },
    });
    assert.equal(elsewhere.status, 200);
    assert.equal(await targetCount(), 2);
  });

  it('concurrent creates of the same (IP, vnet) pair: one 200 and one 409', async () => {
    const body = { hostname: 'race', ip: { ipv4: { ip_addr: '10.9.9.9' } } };
    const responses = await Promise.all([1, 2, 3, 4].map(() => server.call('POST', targets, { body })));
    const statuses = responses.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 409, 409, 409]);
    assert.equal(await targetCount(), 1);
  });

  it('gets, replaces (PUT) and deletes a target; 404s after', async () => {
    const created = (
      await server.call('POST', targets, { body: { hostname: 'a', ip: { ipv4: { ip_addr: '10.0.0.1' } } } })
    ).body.result;
    const replaced = await server.call('PUT', `${targets}/${created.id}`, {
      body: { hostname: 'b', ip: { ipv6: { ip_addr: 'fd00::1' } } },
    });
    assert.equal(replaced.status, 200);
    assert.equal(replaced.body.result.id, created.id);
    assert.equal(replaced.body.result.created_at, created.created_at);
    assert.deepEqual(replaced.body.result.ip, {
      ipv6: { ip_addr: 'fd00::1', virtual_network_id: defaultVnet },
    });
    const deleted = await server.call('DELETE', `${targets}/${created.id}`);
    assert.deepEqual(deleted.body, { success: true, errors: [], messages: [], result: null });
    const gone = await server.call('GET', `${targets}/${created.id}`);
    assert.equal(gone.status, 404);
    assert.equal(gone.body.success, false);
    assert.equal((await server.call('DELETE', `${targets}/${created.id}`)).status, 404);
    assert.equal(
      (
        await server.call('PUT', `${targets}/${created.id}`, {
          body: { hostname: 'x', ip: { ipv4: { ip_addr: '10.0.0.2' } } },
        })
      ).status,
      404,
    );
    const badId = await server.call('GET', `${targets}/not-a-uuid`);
    assert.equal(badId.status, 400);
  });

  it('a rejected replace changes nothing', async () => {
    const created = (
      await server.call('POST', targets, { body: { hostname: 'a', ip: { ipv4: { ip_addr: '10.0.0.1' } } } })
    ).body.result;
    const refused = await server.call('PUT', `${targets}/${created.id}`, {
      body: { hostname: 'a b', ip: created.ip },
    });
    assert.equal(refused.status, 400);
    assert.deepEqual((await server.call('GET', `${targets}/${created.id}`)).body.result, created);
  });

  it('batch create is all or nothing, with pointers into the array', async () => {
    const ok = await server.call('PUT', `${targets}/batch`, {
      body: [
        { hostname: 'a', ip: { ipv4: { ip_addr: '10.0.0.1' } } },
        { hostname: 'b', ip: { ipv4: { ip_addr: '10.0.0.2' } } },
      ],
    });
    assert.equal(ok.status, 200);
    assert.deepEqual(
      ok.body.result.map((t: { hostname: string }) => t.hostname),
      ['a', 'b'],
    );
    const invalid = await server.call('PUT', `${targets}/batch`, {
      body: [
        { hostname: 'c', ip: { ipv4: { ip_addr: '10.0.0.3' } } },
        { hostname: 'd', ip: { ipv4: { ip_addr: '10.0.0.999' } } },
      ],
    });
    assert.equal(invalid.status, 400);
    assert.equal(invalid.body.errors[0].source.pointer, '/1/ip/ipv4/ip_addr');
    const clash = await server.call('PUT', `${targets}/batch`, {
      body: [
        { hostname: 'e', ip: { ipv4: { ip_addr: '10.0.0.5' } } },
        { hostname: 'f', ip: { ipv4: { ip_addr: '10.0.0.1' } } },
      ],
    });
    assert.equal(clash.status, 409);
    assert.equal(await targetCount(), 2);
    const empty = await server.call('PUT', `${targets}/batch`, { body: [] });
    assert.equal(empty.status, 400);
  });

  it('batch delete (POST batch_delete and the deprecated DELETE batch)', async () => {
    const created = (
      await server.call('PUT', `${targets}/batch`, {
        body: [1, 2, 3].map((n) => ({ hostname: `h${n}`, ip: { ipv4: { ip_addr: `10.0.0.${n}` } } })),
      })
    ).body.result as { id: string }[];
    const first = await server.call('POST', `${targets}/batch_delete`, {
      body: { target_ids: [created[0]!.id, created[1]!.id] },
    });
    assert.deepEqual(first.body, { success: true, errors: [], messages: [], result: null });
    const second = await server.call('DELETE', `${targets}/batch`, {
      body: { target_ids: [created[2]!.id] },
    });
    assert.equal(second.status, 200);
    assert.equal(await targetCount(), 0);
    const bad = await server.call('POST', `${targets}/batch_delete`, { body: { target_ids: ['x'] } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.errors[0].source.pointer, '/target_ids/0');
  });

  describe('list filters and pagination', () => {
    let ids: Record<string, string>;
    let otherVnet: string;

    beforeEach(async () => {
      otherVnet = (
        await server.call('POST', `${server.base}/teamnet/virtual_networks`, { body: { name: 'other' } })
      ).body.result.id;
      ids = {};
      const bodies = [
        { hostname: 'web-1', ip: { ipv4: { ip_addr: '10.0.0.1' } } },
        { hostname: 'web-2', ip: { ipv4: { ip_addr: '10.0.0.2' }, ipv6: { ip_addr: 'fd00::2' } } },
        { hostname: 'db-1', ip: { ipv4: { ip_addr: '10.0.1.1', virtual_network_id: otherVnet } } },
        { hostname: 'Bastion', ip: { ipv6: { ip_addr: 'fd00::ff' } } },
      ];
      for (const body of bodies) {
        const response = await server.call('POST', targets, { body });
        assert.equal(response.status, 200, JSON.stringify(response.body));
        ids[body.hostname] = response.body.result.id;
      }
    });

    async function hostnames(query: string): Promise<string[]> {
      const response = await server.call('GET', `${targets}?${query}`);
      assert.equal(response.status, 200, JSON.stringify(response.body));
      return response.body.result.map((t: { hostname: string }) => t.hostname);
    }

    const cases: [string, string[]][] = [
      ['', ['Bastion', 'db-1', 'web-1', 'web-2']],
      ['hostname=web-1', ['web-1']],
      ['hostname=BASTION', ['Bastion']],
      ['hostname_contains=web', ['web-1', 'web-2']],
      ['ip_v4=10.0.0.2', ['web-2']],
      ['ip_v6=fd00:0::ff', ['Bastion']],
      ['ips=10.0.0.1&ips=fd00::ff', ['Bastion', 'web-1']],
      ['ips=10.0.1.1', ['db-1']],
      ['ip_like=10.0.0.*', ['web-1', 'web-2']],
      ['ipv4_start=10.0.0.2&ipv4_end=10.0.1.1', ['db-1', 'web-2']],
      ['ipv6_start=fd00::3&ipv6_end=fd00::ffff', ['Bastion']],
      ['order=hostname&direction=desc', ['web-2', 'web-1', 'db-1', 'Bastion']],
      ['hostname_contains=web&ip_v4=10.0.0.1', ['web-1']],
    ];
    for (const [query, expected] of cases) {
      it(`?${query || '(no filter)'} → ${expected.join(', ')}`, async () => {
        const got = await hostnames(query);
        if (query.includes('order=')) assert.deepEqual(got, expected);
        else assert.deepEqual([...got].sort(), [...expected].sort());
      });
    }

    it('filters by virtual_network_id, target_ids (repeated) and times', async () => {
      assert.deepEqual(await hostnames(`virtual_network_id=${otherVnet}`), ['db-1']);
      assert.deepEqual((await hostnames(`target_ids=${ids['web-1']}&target_ids=${ids['db-1']}`)).sort(), [
        'db-1',
        'web-1',
      ]);
      assert.deepEqual(await hostnames(`target_ids=${ids['web-2']}`), ['web-2']);
      assert.deepEqual(await hostnames('created_before=2000-01-01T00:00:00Z'), []);
      assert.equal((await hostnames('created_after=2000-01-01T00:00:00Z')).length, 4);
      assert.equal(
        (await hostnames('modified_after=2000-01-01T00:00:00Z&modified_before=2999-01-01T00:00:00Z')).length,
        4,
      );
    });

    it('pages with result_info until an empty page', async () => {
      const seen: string[] = [];
      for (let page = 1; ; page++) {
        const response = await server.call('GET', `${targets}?per_page=3&page=${page}&order=hostname`);
        assert.equal(response.status, 200);
        const info = response.body.result_info;
        assert.equal(info.page, page);
        assert.equal(info.per_page, 3);
        assert.equal(info.total_count, 4);
        assert.equal(info.count, response.body.result.length);
        if (response.body.result.length === 0) break;
        seen.push(...response.body.result.map((t: { hostname: string }) => t.hostname));
      }
      assert.deepEqual(seen, ['Bastion', 'db-1', 'web-1', 'web-2']);
    });
  });
});

// The validation tables share one server: each case is refused before anything is stored, which the
// body cases check (a case that stored something fails every one after it too).
describe('server HTTP: infrastructure targets refuse invalid bodies and queries', () => {
  let server: TestServer;
  let targets: string;

  before(async () => {
    server = await startTestServer();
    targets = `${server.base}/infrastructure/targets`;
  });
  after(async () => server?.close());

  async function targetCount(): Promise<number> {
    return (await server.store.targets.list(server.accountId)).totalCount;
  }

  // Every validation rule of a target body, with the pointer the error must name.
  const invalidBodies: { name: string; body: unknown; pointer: string; message: RegExp }[] = [
    { name: 'no body', body: undefined, pointer: '', message: /JSON body is required/ },
    { name: 'not an object', body: [1], pointer: '', message: /must be an object/ },
    { name: 'missing hostname', body: { ip: { ipv4: { ip_addr: '10.0.0.1' } } }, pointer: '/hostname', message: /required/ },
    { name: 'hostname not a string', body: { hostname: 5, ip: { ipv4: { ip_addr: '10.0.0.1' } } }, pointer: '/hostname', message: /string/ },
    { name: 'empty hostname', body: { hostname: '', ip: { ipv4: { ip_addr: '10.0.0.1' } } }, pointer: '/hostname', message: /empty/ },
    { name: 'hostname with a space', body: { hostname: 'web 1', ip: { ipv4: { ip_addr: '10.0.0.1' } } }, pointer: '/hostname', message: /" "/ },
    { name: 'hostname with an underscore', body: { hostname: 'web_1', ip: { ipv4: { ip_addr: '10.0.0.1' } } }, pointer: '/hostname', message: /"_"/ },
    { name: 'hostname starting with -', body: { hostname: '-web', ip: { ipv4: { ip_addr: '10.0.0.1' } } }, pointer: '/hostname', message: /start/ },
    { name: 'hostname ending with .', body: { hostname: 'web.', ip: { ipv4: { ip_addr: '10.0.0.1' } } }, pointer: '/hostname', message: /end/ },
    { name: 'hostname of 254 characters', body: { hostname: 'a'.repeat(254), ip: { ipv4: { ip_addr: '10.0.0.1' } } }, pointer: '/hostname', message: /253/ },
    { name: 'no ip at all', body: { hostname: 'web' }, pointer: '/ip', message: /required/ },
    { name: 'empty ip', body: { hostname: 'web', ip: {} }, pointer: '/ip', message: /at least one of ipv4 and ipv6/ },
    { name: 'unknown ip family', body: { hostname: 'web', ip: { ipv5: { ip_addr: '1' } } }, pointer: '/ip/ipv5', message: /unknown field "ipv5"/ },
    { name: 'missing ip_addr', body: { hostname: 'web', ip: { ipv4: {} } }, pointer: '/ip/ipv4/ip_addr', message: /required/ },
    { name: 'IPv4 out of range', body: { hostname: 'web', ip: { ipv4: { ip_addr: '10.0.0.256' } } }, pointer: '/ip/ipv4/ip_addr', message: /not a valid IPv4/ },
    { name: 'IPv4 with leading zeros', body: { hostname: 'web', ip: { ipv4: { ip_addr: '010.0.0.1' } } }, pointer: '/ip/ipv4/ip_addr', message: /not a valid IPv4/ },
    { name: 'IPv4 short form', body: { hostname: 'web', ip: { ipv4: { ip_addr: '10.1' } } }, pointer: '/ip/ipv4/ip_addr', message: /not a valid IPv4/ },
    { name: 'IPv6 in ipv4', body: { hostname: 'web', ip: { ipv4: { ip_addr: '::1' } } }, pointer: '/ip/ipv4/ip_addr', message: /not a valid IPv4/ },
    { name: 'IPv4 in ipv6', body: { hostname: 'web', ip: { ipv6: { ip_addr: '10.0.0.1' } } }, pointer: '/ip/ipv6/ip_addr', message: /not a valid IPv6/ },
    { name: 'IPv6 with a zone', body: { hostname: 'web', ip: { ipv6: { ip_addr: 'fe80::1%eth0' } } }, pointer: '/ip/ipv6/ip_addr', message: /not a valid IPv6/ },
    { name: 'a host name as address', body: { hostname: 'web', ip: { ipv4: { ip_addr: 'example.com' } } }, pointer: '/ip/ipv4/ip_addr', message: /not a valid IPv4/ },
    { name: 'CIDR as address', body: { hostname: 'web', ip: { ipv4: { ip_addr: '10.0.0.0/8' } } }, pointer: '/ip/ipv4/ip_addr', message: /not a valid IPv4/ },
    { name: 'vnet id not a UUID', body: { hostname: 'web', ip: { ipv4: { ip_addr: '10.0.0.1', virtual_network_id: 'default' } } }, pointer: '/ip/ipv4/virtual_network_id', message: /UUID/ },
    { name: 'unknown vnet id', body: { hostname: 'web', ip: { ipv6: { ip_addr: '::1', virtual_network_id: '00000000-0000-4000-8000-000000000000' } } }, pointer: '/ip/ipv6/virtual_network_id', message: /does not exist/ },
    { name: 'unknown top-level field', body: { hostname: 'web', ip: { ipv4: { ip_addr: '10.0.0.1' } }, labels: [] }, pointer: '/labels', message: /unknown field "labels"/ },
    { name: 'tags not an object', body: { hostname: 'web', ip: { ipv4: { ip_addr: '10.0.0.1' } }, tags: [] }, pointer: '/tags', message: /object/ },
    { name: 'a tag key with ":"', body: { hostname: 'web', ip: { ipv4: { ip_addr: '10.0.0.1' } }, tags: { 'a:b': 'c' } }, pointer: '/tags/a:b', message: /./ },
  ]; // prettier-ignore

  for (const { name, body, pointer, message } of invalidBodies) {
    it(`refuses ${name} with 400 at ${pointer || 'the body'}, storing nothing`, async () => {
      const response = await server.call('POST', targets, { body });
      assert.equal(response.status, 400, JSON.stringify(response.body));
      assert.equal(response.body.success, false);
      assert.equal(response.body.result, null);
      const [error] = response.body.errors;
      assert.ok(error.code >= 1000);
      assert.equal(error.source?.pointer, pointer, JSON.stringify(error));
      assert.match(error.message, message);
      assert.equal(await targetCount(), 0);
    });
  }

  const badQueries: [string, string][] = [
    ['page=0', '/page'],
    ['per_page=1001', '/per_page'],
    ['per_page=abc', '/per_page'],
    ['order=ip', '/order'],
    ['direction=up', '/direction'],
    ['ip_v4=fd00::1', '/ip_v4'],
    ['ip_v6=10.0.0.1', '/ip_v6'],
    ['ips=10.0.0.1&ips=nope', '/ips/1'],
    ['ipv4_start=300.0.0.1', '/ipv4_start'],
    ['target_ids=abc', '/target_ids/0'],
    ['created_before=yesterday', '/created_before'],
    ['virtual_network_id=x', '/virtual_network_id'],
    ['hostnme=web-1', '/hostnme'],
  ];
  for (const [query, pointer] of badQueries) {
    it(`refuses ?${query} pointing at ${pointer}`, async () => {
      const response = await server.call('GET', `${targets}?${query}`);
      assert.equal(response.status, 400, JSON.stringify(response.body));
      assert.equal(response.body.errors[0].source.pointer, pointer);
      assert.match(response.body.errors[0].message, /query parameter/);
    });
  }
});
