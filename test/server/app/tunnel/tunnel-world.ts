/**
 * The in-memory world of the tunnel's access tests (server/src/app/tunnel/tunnel-access.ts): a fake store
 * over the targets, virtual networks, agents, routes, apps and policies a test names, scoped by account as
 * the real store is, and the person who asks (ada). Shared by tunnel-access, connector-networks and
 * connector-attacks.
 */
import type { Repositories } from '../../../../server/src/app/ports/store.js';
import type { PersonCaller } from '../../../../server/src/app/sign-in/person-caller.js';
import type {
  AgentRecord,
  InfrastructureAppRecord,
  PolicyRecord,
  TargetRecord,
  TunnelRouteRecord,
  VirtualNetworkRecord,
} from '../../../../server/src/domain/records.js';
import { FakeAuditTrail, FakeTransactions, fake, fakeStore } from '../fakes.js';

export const NOW = new Date('2026-12-07T12:00:00.000Z');
export const ACCOUNT = 'account-1';
export const OTHER_ACCOUNT = 'account-2';

export const vnet = (id: string, name: string, accountId = ACCOUNT): VirtualNetworkRecord => ({
  id,
  accountId,
  name,
  comment: '',
  isDefaultNetwork: false,
  createdAt: NOW,
});

/** A route of `network` (a CIDR) in a virtual network (its record or its id) to the connector `agentId`. */
export const route = (
  id: string,
  network: string,
  agentId: string,
  in_: VirtualNetworkRecord | string,
  accountId = ACCOUNT,
): TunnelRouteRecord => ({
  id,
  accountId,
  network,
  agentId,
  virtualNetworkId: typeof in_ === 'string' ? in_ : in_.id,
  comment: '',
  createdAt: NOW,
});

/** ada may log in as deploy wherever an app with this policy reaches. */
export const POLICY: PolicyRecord = {
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

/** An infrastructure app of POLICY over targets of these hostnames, on `port`. */
export const app = (hostnames: string[], port = 22): InfrastructureAppRecord => ({
  id: 'app-1',
  accountId: ACCOUNT,
  name: hostnames.join(', '),
  type: 'infrastructure',
  aud: 'a'.repeat(64),
  targetCriteria: [{ target_attributes: { hostname: hostnames }, port, protocol: 'SSH' }],
  policies: [{ policyId: POLICY.id, precedence: 1 }],
  createdAt: NOW,
  updatedAt: NOW,
});

export const ada: PersonCaller = {
  accountId: ACCOUNT,
  sessionId: 'sign-in-1',
  person: { email: 'ada@example.com', groups: [], loginMethod: 'builtin', authMethods: ['pwd'], claims: {} },
  clientId: 'latchkey-cli',
  expiresAt: new Date(NOW.getTime() + 600_000),
  actor: 'user:ada@example.com',
};

export interface TunnelWorldRecords {
  targets: readonly TargetRecord[];
  apps: readonly InfrastructureAppRecord[];
  networks?: readonly VirtualNetworkRecord[];
  agents?: readonly AgentRecord[];
  routes?: readonly TunnelRouteRecord[];
  policies?: readonly PolicyRecord[];
}

/**
 * The services authorizeTunnelStream and connectorFor run on, over `records`; `audit` holds the events
 * written, `routesAsked` each routes lookup (`ACCOUNT NETWORK-ID`).
 */
export function tunnelWorld(records: TunnelWorldRecords) {
  const transactions = new FakeTransactions();
  const audit = new FakeAuditTrail(() => NOW, transactions);
  const routesAsked: string[] = [];
  const networks = records.networks ?? [];
  const agents = records.agents ?? [];
  const routes = records.routes ?? [];
  const inNetwork = (t: TargetRecord, id: string | undefined) =>
    id === undefined || t.ipv4?.virtualNetworkId === id || t.ipv6?.virtualNetworkId === id;
  const store = fakeStore(
    {
      accounts: fake<Repositories['accounts']>('accounts', { accessConfigVersion: async () => '1' }),
      apps: fake<Repositories['apps']>('apps', { list: async () => [...records.apps] }),
      policies: fake<Repositories['policies']>('policies', {
        list: async () => [...(records.policies ?? [POLICY])],
      }),
      groups: fake<Repositories['groups']>('groups', { list: async () => [] }),
      auditSshSettings: fake<Repositories['auditSshSettings']>('auditSshSettings', {
        get: async () => undefined,
      }),
      virtualNetworks: fake<Repositories['virtualNetworks']>('virtualNetworks', {
        get: async (accountId, id) => networks.find((n) => n.accountId === accountId && n.id === id),
        list: async (accountId, filter) =>
          networks.filter((n) => n.accountId === accountId && n.name === filter?.name),
      }),
      targets: fake<Repositories['targets']>('targets', {
        get: async (accountId, id) => records.targets.find((t) => t.accountId === accountId && t.id === id),
        list: async (accountId, request = {}) => {
          const items = records.targets.filter(
            (t) =>
              t.accountId === accountId &&
              (request.hostname === undefined || t.hostname === request.hostname) &&
              (request.ips === undefined ||
                request.ips.some((ip) => t.ipv4?.address === ip || t.ipv6?.address === ip)) &&
              inNetwork(t, request.virtualNetworkId),
          );
          return { items, page: 1, perPage: 1000, totalCount: items.length };
        },
      }),
      agents: fake<Repositories['agents']>('agents', {
        listForTarget: async (accountId, id) =>
          agents.filter((a) => a.accountId === accountId && a.targetId === id),
      }),
      tunnelRoutes: fake<Repositories['tunnelRoutes']>('tunnelRoutes', {
        listForNetwork: async (accountId, networkId) => {
          routesAsked.push(`${accountId} ${networkId}`);
          return routes.filter((r) => r.accountId === accountId && r.virtualNetworkId === networkId);
        },
      }),
      auditEvents: audit,
    },
    transactions,
  );
  return { services: { store, clock: () => NOW } as never, audit, routesAsked };
}
