/** The `latchkey admin` use-cases over a fake AdminApi: which account, which target, which network, paging. */
import assert from 'node:assert/strict';
import {
  LatchkeyError,
  isLatchkeyError,
  type Account,
  type Agent,
  type AuditEvent,
  type Target,
  type TargetInputBody,
  type VirtualNetwork,
} from '@latchkey/shared';
import {
  listAdminAgents,
  removeAdminAgent,
  replaceAdminAgent,
} from '../../../../cli/src/app/admin/agents.js';
import { listAdminAuditEvents } from '../../../../cli/src/app/admin/audit-events.js';
import type { AdminApi, Page } from '../../../../cli/src/app/admin/ports.js';
import { addAdminTarget, removeAdminTarget } from '../../../../cli/src/app/admin/targets.js';

const ACCOUNT: Account = { id: 'acc-1', name: 'main', type: 'standard', created_on: '2026-01-01T00:00:00Z' };
const DEFAULT_NET = '11111111-1111-4111-8111-111111111111';
const LAB_NET = '22222222-2222-4222-8222-222222222222';

function target(id: string, hostname: string): Target {
  return {
    id,
    hostname,
    ip: { ipv4: { ip_addr: '10.0.0.1', virtual_network_id: DEFAULT_NET } },
    created_at: '2026-01-01T00:00:00Z',
    modified_at: '2026-01-01T00:00:00Z',
  };
}

class FakeAdminApi implements AdminApi {
  readonly url = 'https://access.example.com';
  accountList: Account[] = [ACCOUNT];
  targets: Target[] = [];
  networks: VirtualNetwork[] = [
    {
      id: DEFAULT_NET,
      name: 'default',
      comment: '',
      is_default_network: true,
      created_at: '2026-01-01T00:00:00Z',
    },
    { id: LAB_NET, name: 'lab', comment: '', is_default_network: false, created_at: '2026-01-01T00:00:00Z' },
  ];
  events: AuditEvent[] = [];
  created: TargetInputBody[] = [];
  deleted: string[] = [];
  calls: string[] = [];

  async accounts() {
    return this.accountList;
  }
  async listTargets(accountId: string, query: { hostname?: string; page: number; per_page: number }) {
    this.calls.push(`targets ${accountId} ${query.hostname ?? '*'} ${query.page}`);
    return paged(
      this.targets.filter((t) => query.hostname === undefined || t.hostname === query.hostname),
      query,
    );
  }
  async getTarget(_accountId: string, targetId: string) {
    const found = this.targets.find((t) => t.id === targetId);
    if (found === undefined) throw new LatchkeyError('not_found', 'target not found');
    return found;
  }
  async createTarget(_accountId: string, body: TargetInputBody) {
    this.created.push(body);
    return target('33333333-3333-4333-8333-333333333333', body.hostname);
  }
  async deleteTarget(accountId: string, targetId: string) {
    this.deleted.push(`${accountId}/${targetId}`);
  }
  async listVirtualNetworks(_accountId: string, query: { name?: string }) {
    return this.networks.filter((n) => query.name === undefined || n.name === query.name);
  }
  agents: Agent[] = [];
  async listAgents() {
    return this.agents;
  }
  async removeAgent(accountId: string, agentId: string, options: { keepTarget: boolean }) {
    this.calls.push(`remove agent ${accountId}/${agentId} keep=${options.keepTarget}`);
    return this.agents.find((a) => a.id === agentId)!;
  }
  async replaceAgent(
    accountId: string,
    agentId: string,
    body: { name?: string; expires_in_seconds?: number },
  ) {
    this.calls.push(`replace agent ${accountId}/${agentId} ${body.name} ${body.expires_in_seconds ?? '-'}`);
    return {
      id: '55555555-5555-4555-8555-555555555555',
      name: body.name ?? '',
      max_uses: 1,
      uses: 0,
      expires_at: '2026-01-02T00:00:00Z',
      created_at: '2026-01-01T00:00:00Z',
      token: 'secret',
    } as never;
  }
  async agentPackageSha256() {
    return undefined;
  }
  async createJoinToken(): Promise<never> {
    throw new Error('not used');
  }
  async listAuditEvents(query: { page?: number; per_page?: number; action?: string }) {
    this.calls.push(`audit ${query.action ?? '*'} ${query.page} ${query.per_page}`);
    return paged(this.events, { page: query.page ?? 1, per_page: query.per_page ?? 100 });
  }
}

function paged<T>(items: T[], query: { page: number; per_page: number }): Page<T> {
  return {
    items: items.slice((query.page - 1) * query.per_page, query.page * query.per_page),
    totalPages: Math.max(1, Math.ceil(items.length / query.per_page)),
  };
}

function failsWith(code: string, pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(isLatchkeyError(error), String(error));
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    return true;
  };
}

describe('cli/app/admin: use-cases', () => {
  it('works on the only account the token sees, or asks which', async () => {
    const api = new FakeAdminApi();
    api.targets = [target('44444444-4444-4444-8444-444444444444', 'web-1')];
    await removeAdminTarget(api, { target: 'web-1' });
    assert.deepEqual(api.deleted, ['acc-1/44444444-4444-4444-8444-444444444444']);
    api.accountList = [ACCOUNT, { ...ACCOUNT, id: 'acc-2' }];
    await assert.rejects(
      removeAdminTarget(api, { target: 'web-1' }),
      failsWith('invalid_argument', /sees 2 accounts \(acc-1, acc-2\): say which with --account ID/),
    );
    await removeAdminTarget(api, { target: 'web-1', account: 'acc-2' });
    assert.equal(api.deleted[1], 'acc-2/44444444-4444-4444-8444-444444444444');
  });

  it('removes by id or by a hostname only one target has; refuses an unknown or shared one', async () => {
    const api = new FakeAdminApi();
    const a = target('55555555-5555-4555-8555-555555555555', 'web-1');
    const b = target('66666666-6666-4666-8666-666666666666', 'web-1');
    api.targets = [a, b];
    await assert.rejects(
      removeAdminTarget(api, { target: 'web-1' }),
      failsWith(
        'invalid_argument',
        new RegExp(`2 targets are named web-1 \\(${a.id}, ${b.id}\\): say which by id`),
      ),
    );
    assert.deepEqual(await removeAdminTarget(api, { target: b.id.toUpperCase() }), b);
    assert.deepEqual(api.deleted, [`acc-1/${b.id}`]);
    await assert.rejects(
      removeAdminTarget(api, { target: 'db-9' }),
      failsWith('not_found', /no target is named db-9/),
    );
    await assert.rejects(
      removeAdminTarget(api, { target: '77777777-7777-4777-8777-777777777777' }),
      failsWith('not_found', /no target has the id 77777777/),
    );
    assert.equal(api.deleted.length, 1);
  });

  it('adds a target in the default network, or in the one named by --vnet', async () => {
    const api = new FakeAdminApi();
    await addAdminTarget(api, { hostname: 'web-1', ip: { ipv4: '10.0.0.5' } });
    await addAdminTarget(api, { hostname: 'web-2', ip: { ipv4: '10.0.0.6', ipv6: 'fd00::6' }, vnet: 'lab' });
    assert.deepEqual(api.created, [
      { hostname: 'web-1', ip: { ipv4: { ip_addr: '10.0.0.5' } } },
      {
        hostname: 'web-2',
        ip: {
          ipv4: { ip_addr: '10.0.0.6', virtual_network_id: LAB_NET },
          ipv6: { ip_addr: 'fd00::6', virtual_network_id: LAB_NET },
        },
      },
    ]);
    await assert.rejects(
      addAdminTarget(api, { hostname: 'web-3', ip: { ipv4: '10.0.0.7' }, vnet: 'nowhere' }),
      failsWith('not_found', /no virtual network is named "nowhere"/),
    );
    assert.equal(api.created.length, 2);
  });

  it('reads the audit log page by page up to the limit', async () => {
    const api = new FakeAdminApi();
    api.events = Array.from({ length: 250 }, (_, n) => ({
      id: `e${n}`,
      actor: 'token:x',
      action: 'target.create',
      resource_type: 'target',
      created_at: '2026-01-01T00:00:00Z',
    }));
    const some = await listAdminAuditEvents(api, { limit: 30, action: 'target.create' });
    assert.equal(some.length, 30);
    assert.deepEqual(api.calls, ['audit target.create 1 30']);
    api.calls = [];
    const all = await listAdminAuditEvents(api, { limit: 1000 });
    assert.deepEqual(
      all.map((e) => e.id),
      api.events.map((e) => e.id),
    );
    assert.deepEqual(api.calls, ['audit * 1 100', 'audit * 2 100', 'audit * 3 100']);
  });

  it('lists agents without listing targets when none has one', async () => {
    const api = new FakeAdminApi();
    const found = await listAdminAgents(api, {});
    assert.deepEqual(found.agents, []);
    assert.deepEqual(api.calls, []);
  });

  it('removes or replaces an agent named by id or by a hostname only one agent has', async () => {
    const api = new FakeAdminApi();
    const agent = (id: string, hostname: string): Agent => ({
      id,
      hostname,
      created_at: '2026-01-01T00:00:00Z',
    });
    api.agents = [
      agent('66666666-6666-4666-8666-666666666666', 'db-1'),
      agent('77777777-7777-4777-8777-777777777777', 'web'),
      agent('88888888-8888-4888-8888-888888888888', 'web'),
    ];
    await removeAdminAgent(api, { agent: 'db-1', keepTarget: true });
    await removeAdminAgent(api, { agent: '77777777-7777-4777-8777-777777777777', keepTarget: false });
    const replaced = await replaceAdminAgent(api, { agent: 'DB-1'.toLowerCase(), expiresInSeconds: 3600 });
    assert.equal(replaced.agent.hostname, 'db-1');
    assert.deepEqual(api.calls, [
      'remove agent acc-1/66666666-6666-4666-8666-666666666666 keep=true',
      'remove agent acc-1/77777777-7777-4777-8777-777777777777 keep=false',
      'replace agent acc-1/66666666-6666-4666-8666-666666666666 replace agent db-1 3600',
    ]);
    await assert.rejects(
      removeAdminAgent(api, { agent: 'web', keepTarget: false }),
      failsWith('conflict', /2 agents have the hostname "web".*name one by its id/),
    );
    await assert.rejects(
      replaceAdminAgent(api, { agent: 'nope' }),
      failsWith('not_found', /no agent has the id or hostname "nope"/),
    );
    assert.equal(api.calls.length, 3, 'nothing is asked of the server for an ambiguous or unknown agent');
  });
});
