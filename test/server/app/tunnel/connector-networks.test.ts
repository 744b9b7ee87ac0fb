// An attacker's finding, kept (server/src/app/tunnel/tunnel-access.ts `connectorFor`): a target with its
// IPv4 address in one virtual network and its IPv6 address in another was always reached through the
// IPv4 network's connector, whatever network or address the person asked for.
import assert from 'node:assert/strict';
import { authorizeTunnelStream } from '../../../../server/src/app/tunnel/tunnel-access.js';
import type { TargetRecord } from '../../../../server/src/domain/records.js';
import { ACCOUNT, NOW, ada, app, route, tunnelWorld, vnet } from './tunnel-world.js';

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
const ROUTES = [
  route('route-a', '10.77.0.0/24', 'connector-a', SITE_A),
  route('route-b6', 'fd00:b::/64', 'connector-b', SITE_B),
];

const world = () =>
  tunnelWorld({ targets: [DUAL], apps: [app(['dual'])], networks: [SITE_A, SITE_B], routes: ROUTES })
    .services;

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
