// Attacks on the server's half of connectors (issue #14; server/src/app/tunnel/tunnel-access.ts
// `authorizeTunnelStream`, `connectorFor`) over in-memory fakes: which stream a person gets to an
// agentless target, through which connector, to which address; and what refusals tell. These hold on the
// current code and guard the promises of docs/tunnels.md "Connectors".
import assert from 'node:assert/strict';
import { LatchkeyError } from '@latchkey/shared';
import { authorizeTunnelStream, connectorFor } from '../../../../server/src/app/tunnel/tunnel-access.js';
import type {
  AgentRecord,
  TargetRecord,
  VirtualNetworkRecord,
} from '../../../../server/src/domain/records.js';
import { ACCOUNT, NOW, OTHER_ACCOUNT, ada, app, route, tunnelWorld, vnet } from './tunnel-world.js';

const SITE_A = vnet('00000000-0000-4000-8000-00000000000a', 'site-a');
const SITE_B = vnet('00000000-0000-4000-8000-00000000000b', 'site-b');

let ids = 0;
const target = (
  hostname: string,
  ips: { ipv4?: [string, VirtualNetworkRecord]; ipv6?: [string, VirtualNetworkRecord] },
  accountId = ACCOUNT,
): TargetRecord => ({
  id: `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`,
  accountId,
  hostname,
  ...(ips.ipv4 === undefined ? {} : { ipv4: { address: ips.ipv4[0], virtualNetworkId: ips.ipv4[1].id } }),
  ...(ips.ipv6 === undefined ? {} : { ipv6: { address: ips.ipv6[0], virtualNetworkId: ips.ipv6[1].id } }),
  tags: {},
  createdAt: NOW,
  modifiedAt: NOW,
});

// Agentless targets: the same private address in two virtual networks, a dual-stack one, one without an
// address, one whose only address is IPv4-mapped IPv6; and a fronted (agent) target a route also holds.
const DB_A = target('db-a', { ipv4: ['10.77.0.5', SITE_A] });
const DB_B = target('db-b', { ipv4: ['10.77.0.5', SITE_B] });
const NO_ADDRESS = target('no-address', {});
const MAPPED = target('mapped', { ipv6: ['::ffff:a4d:6', SITE_A] });
const WEB = target('web', { ipv4: ['10.77.0.9', SITE_A] });
const ELSEWHERE = target('db-a', { ipv4: ['10.77.0.5', SITE_A] }, OTHER_ACCOUNT);
const TARGETS = [DB_A, DB_B, NO_ADDRESS, MAPPED, WEB, ELSEWHERE];
const WEB_AGENT: AgentRecord = {
  id: 'agent-web',
  accountId: ACCOUNT,
  hostname: 'web',
  apiTokenId: 'token-web',
  joinTokenId: 'join-web',
  targetId: WEB.id,
  createdAt: NOW,
};

const ROUTES = [
  route('route-a', '10.77.0.0/24', 'connector-a', SITE_A),
  route('route-a6', '::/0', 'connector-a6', SITE_A),
  route('route-b', '10.77.0.0/24', 'connector-b', SITE_B),
  // Another account's route in a network of the same id: never this account's.
  route('route-other', '10.77.0.0/25', 'connector-other', SITE_A, OTHER_ACCOUNT),
];

/** A store over the records above; `reachable` are the hostnames the policy lets ada reach on port 22. */
function world(reachable: string[]) {
  return tunnelWorld({
    targets: TARGETS,
    apps: [app(reachable)],
    networks: [SITE_A, SITE_B],
    agents: [WEB_AGENT],
    routes: ROUTES,
  });
}

async function refusal(promise: Promise<unknown>): Promise<LatchkeyError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof LatchkeyError) return error;
    throw error;
  }
  assert.fail('the stream was granted');
}

describe('tunnel access: attacks on connectors that hold', () => {
  it('looks no connector up before policy allows the stream: not for a port, not for a target', async () => {
    const { services, routesAsked, audit } = world(['db-a']);
    const port = await refusal(authorizeTunnelStream(services, ada, { target: DB_A.id, port: 5432 }));
    assert.equal(port.code, 'access_denied');
    const other = await refusal(authorizeTunnelStream(services, ada, { target: DB_B.id }));
    assert.equal(other.code, 'access_denied');
    assert.deepEqual(routesAsked, [], 'no route was consulted, so no connector was asked to dial');
    assert.deepEqual(
      audit.events.map((event) => [event.action, (event.after as { reason: string }).reason]),
      [
        ['tunnel.stream.deny', 'port_not_allowed'],
        ['tunnel.stream.deny', 'no_policy'],
      ],
    );
  });

  it('a fronted target that a route also holds goes to its own agent, never to the connector', async () => {
    const { services, routesAsked } = world(['web']);
    const grant = await authorizeTunnelStream(services, ada, { target: 'web' });
    assert.deepEqual(
      grant.agents.map((agent) => agent.id),
      ['agent-web'],
    );
    assert.equal(grant.connector, undefined);
    assert.deepEqual(routesAsked, []);
  });

  it('a bare address in two networks is the target the person may reach, through its own network', async () => {
    const { services, routesAsked } = world(['db-b']);
    const grant = await authorizeTunnelStream(services, ada, { target: '10.77.0.5' });
    assert.equal(grant.target.id, DB_B.id);
    assert.deepEqual(grant.connector, {
      agentId: 'connector-b',
      routeId: 'route-b',
      network: '10.77.0.0/24',
      address: '10.77.0.5',
    });
    assert.deepEqual(routesAsked, [`${ACCOUNT} ${SITE_B.id}`]);
  });

  it('a bare address the person may reach in two networks is a conflict naming only those, and no dial', async () => {
    const { services, routesAsked } = world(['db-a', 'db-b']);
    const error = await refusal(authorizeTunnelStream(services, ada, { target: '10.77.0.5' }));
    assert.equal(error.code, 'conflict');
    assert.match(
      error.message,
      /^10\.77\.0\.5 names 2 targets you may reach, in the virtual networks site-a, site-b:/,
    );
    assert.doesNotMatch(error.message, /route|connector|db-/);
    assert.deepEqual(routesAsked, []);
    const chosen = await authorizeTunnelStream(services, ada, {
      target: '10.77.0.5',
      virtualNetwork: 'site-a',
    });
    assert.equal(chosen.connector?.agentId, 'connector-a');
  });

  it('refusals read alike for a target that is not there, one out of reach, and an unknown network', async () => {
    const { services } = world(['db-a']);
    const messages = await Promise.all(
      [
        { target: '10.77.0.99' },
        { target: '10.77.0.5', virtualNetwork: 'site-b' },
        { target: '10.77.0.5', virtualNetwork: 'no-such-network' },
        { target: DB_B.id },
        { target: ELSEWHERE.id.replace(/.$/, 'f') },
      ].map(async (request) => {
        const error = await refusal(authorizeTunnelStream(services, ada, request));
        assert.equal(error.code, 'access_denied');
        return error.message.replace(request.target, 'X');
      }),
    );
    assert.deepEqual(new Set(messages), new Set(['no policy lets you reach X']));
  });

  it("never takes another account's target, nor another account's route in a network of the same id", async () => {
    const { services, routesAsked } = world(['db-a']);
    // ELSEWHERE is account-2's, with account-1's hostname, address and network id.
    const error = await refusal(authorizeTunnelStream(services, ada, { target: ELSEWHERE.id }));
    assert.equal(error.code, 'access_denied');
    const grant = await authorizeTunnelStream(services, ada, { target: 'db-a' });
    assert.equal(grant.target.id, DB_A.id);
    // route-other (account-2, 10.77.0.0/25) would win on prefix if it were mixed in.
    assert.equal(grant.connector?.routeId, 'route-a');
    assert.deepEqual(routesAsked, [`${ACCOUNT} ${SITE_A.id}`]);
  });

  it('a target without an address has no connector: nothing to dial', async () => {
    const { services } = world(['no-address']);
    const grant = await authorizeTunnelStream(services, ada, { target: 'no-address' });
    assert.equal(grant.connector, undefined);
    assert.deepEqual(grant.agents, []);
  });

  it('an IPv4-mapped target address goes only through an IPv6 route, never an IPv4 one', async () => {
    const { services } = world(['mapped']);
    const grant = await authorizeTunnelStream(services, ada, { target: 'mapped' });
    // site-a has 10.77.0.0/24 (IPv4) and ::/0 (IPv6): only the IPv6 route holds ::ffff:a4d:6.
    assert.equal(grant.connector?.routeId, 'route-a6');
    const inSiteB: TargetRecord = {
      ...MAPPED,
      ipv6: { address: '::ffff:a4d:6', virtualNetworkId: SITE_B.id },
    };
    // site-b has only the IPv4 route 10.77.0.0/24, which the mapped spelling of 10.77.0.6 is not in.
    assert.equal(await connectorFor(services, inSiteB), undefined);
  });
});
