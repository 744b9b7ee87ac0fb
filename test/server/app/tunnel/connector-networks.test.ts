// An attacker's finding, kept (server/src/app/tunnel/tunnel-access.ts `connectorFor`): a target with its
// IPv4 address in one virtual network and its IPv6 address in another was always reached through the
// IPv4 network's connector, whatever network or address the person asked for.
import assert from 'node:assert/strict';
import type { Repositories } from '../../../../server/src/app/ports/store.js';
import type { PersonCaller } from '../../../../server/src/app/sign-in/person-caller.js';
import { authorizeTunnelStream } from '../../../../server/src/app/tunnel/tunnel-access.js';
import type {
  InfrastructureAppRecord,
  PolicyRecord,
  TargetRecord,
  TunnelRouteRecord,
  VirtualNetworkRecord,
} from '../../../../server/src/domain/records.js';
import { FakeAuditTrail, FakeTransactions, fake, fakeStore } from '../fakes.js';

const NOW = new Date('2026-12-07T12:00:00.000Z');
const ACCOUNT = 'account-1';
const vnet = (id: string, name: string): VirtualNetworkRecord => ({
  id,
  accountId: ACCOUNT,
  name,
  comment: '',
  isDefaultNetwork: false,
  createdAt: NOW,
});
const SITE_A = vnet('00000000-0000-4000-8000-00000000000a', 'site-a');
const SITE_B = vnet('00000000-0000-4000-8000-00000000000b', 'site-b');
// One target, its IPv4 address in site-a and its IPv6 address in site-b (the API allows each address
// its own virtual network, as Cloudflare's does).
const DUAL: TargetRecord = {
  id: '00000000-0000-4000-8000-000000000001',
  accountId: ACCOUNT,
  hostname: 'dual',
  ipv4: { address: '10.77.0.7', virtualNetworkId: SITE_A.id },
  ipv6: { address: 'fd00:b::7', virtualNetworkId: SITE_B.id },
  tags: {},
  createdAt: NOW,
  modifiedAt: NOW,
};
const route = (
  id: string,
  network: string,
  agentId: string,
  in_: VirtualNetworkRecord,
): TunnelRouteRecord => ({
  id,
  accountId: ACCOUNT,
  network,
  agentId,
  virtualNetworkId: in_.id,
  comment: '',
  createdAt: NOW,
});
const ROUTES = [
  route('route-a', '10.77.0.0/24', 'connector-a', SITE_A),
  route('route-b6', 'fd00:b::/64', 'connector-b', SITE_B),
];
const POLICY: PolicyRecord = {
  id: 'policy-1',
  accountId: ACCOUNT,
  name: 'ada as deploy',
  decision: 'allow',
  include: [{ email: { email: 'ada@example.com' } }],
  require: [],
  exclude: [],
  connectionRules: { ssh: { usernames: ['deploy'] } },
  reusable: true,
  createdAt: NOW,
  updatedAt: NOW,
};
const APP: InfrastructureAppRecord = {
  id: 'app-1',
  accountId: ACCOUNT,
  name: 'dual',
  type: 'infrastructure',
  aud: 'a'.repeat(64),
  targetCriteria: [{ target_attributes: { hostname: ['dual'] }, port: 22, protocol: 'SSH' }],
  policies: [{ policyId: POLICY.id, precedence: 1 }],
  createdAt: NOW,
  updatedAt: NOW,
};
const ada: PersonCaller = {
  accountId: ACCOUNT,
  sessionId: 'sign-in-1',
  person: { email: 'ada@example.com', groups: [], loginMethod: 'builtin', authMethods: ['pwd'], claims: {} },
  clientId: 'latchkey-cli',
  expiresAt: new Date(NOW.getTime() + 600_000),
  actor: 'user:ada@example.com',
};

function world() {
  const transactions = new FakeTransactions();
  const networks = [SITE_A, SITE_B];
  const store = fakeStore(
    {
      accounts: fake<Repositories['accounts']>('accounts', { accessConfigVersion: async () => '1' }),
      apps: fake<Repositories['apps']>('apps', { list: async () => [APP] }),
      policies: fake<Repositories['policies']>('policies', { list: async () => [POLICY] }),
      groups: fake<Repositories['groups']>('groups', { list: async () => [] }),
      auditSshSettings: fake<Repositories['auditSshSettings']>('auditSshSettings', {
        get: async () => undefined,
      }),
      virtualNetworks: fake<Repositories['virtualNetworks']>('virtualNetworks', {
        get: async (_accountId, id) => networks.find((n) => n.id === id),
        list: async (_accountId, filter) => networks.filter((n) => n.name === filter?.name),
      }),
      targets: fake<Repositories['targets']>('targets', {
        get: async (_accountId, id) => (id === DUAL.id ? DUAL : undefined),
        list: async (_accountId, request = {}) => {
          const items = [DUAL].filter(
            (t) =>
              (request.hostname === undefined || t.hostname === request.hostname) &&
              (request.ips === undefined ||
                request.ips.includes(t.ipv4!.address) ||
                request.ips.includes(t.ipv6!.address)) &&
              (request.virtualNetworkId === undefined ||
                t.ipv4?.virtualNetworkId === request.virtualNetworkId ||
                t.ipv6?.virtualNetworkId === request.virtualNetworkId),
          );
          return { items, page: 1, perPage: 1000, totalCount: items.length };
        },
      }),
      agents: fake<Repositories['agents']>('agents', { listForTarget: async () => [] }),
      tunnelRoutes: fake<Repositories['tunnelRoutes']>('tunnelRoutes', {
        listForNetwork: async (_accountId, networkId) =>
          ROUTES.filter((r) => r.virtualNetworkId === networkId),
      }),
      auditEvents: new FakeAuditTrail(() => NOW, transactions),
    },
    transactions,
  );
  return { store, clock: () => NOW } as never;
}

describe('tunnel access: the network a connector dials into', () => {
  it('the virtual network the person names is the one the connector dials into', async () => {
    // `latchkey ssh dual --vnet site-b`, and asking by the site-b address fd00:b::7, go into site-b.
    const services = world();
    for (const request of [
      { target: 'dual', virtualNetwork: 'site-b' },
      { target: 'fd00:b::7' },
      { target: DUAL.id, virtualNetwork: SITE_B.id },
    ]) {
      const grant = await authorizeTunnelStream(services, ada, request);
      assert.deepEqual(
        grant.connector,
        { agentId: 'connector-b', routeId: 'route-b6', network: 'fd00:b::/64', address: 'fd00:b::7' },
        JSON.stringify(request),
      );
    }
  });
});
