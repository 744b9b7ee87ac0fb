// signInStillValid and connectorFor on in-memory fakes: which sign-ins keep their tunnel streams open,
// and which connector reaches an agentless target.
import assert from 'node:assert/strict';
import type {
  SignInSessionRepository,
  TunnelRouteRepository,
} from '../../../../server/src/app/ports/store.js';
import {
  authorizeTunnelStream,
  connectorFor,
  signInStillValid,
} from '../../../../server/src/app/tunnel/tunnel-access.js';
import type {
  SignInSessionRecord,
  TargetRecord,
  TunnelRouteRecord,
} from '../../../../server/src/domain/records.js';
import { fake } from '../fakes.js';
import { ACCOUNT, NOW, ada, app, route, tunnelWorld } from './tunnel-world.js';

function session(overrides: Partial<SignInSessionRecord> = {}): SignInSessionRecord {
  return {
    id: 'session-1',
    accountId: 'account-1',
    email: 'bob@corp.example',
    groups: [],
    loginMethod: 'password',
    authMethods: ['pwd'],
    claims: {},
    clientId: 'latchkey-cli',
    refreshTokenHash: 'hash',
    refreshExpiresAt: new Date(NOW.getTime() + 60_000),
    createdAt: new Date(NOW.getTime() - 60_000),
    ...overrides,
  };
}

async function stillValid(
  found: Awaited<ReturnType<SignInSessionRepository['getWithAccountState']>>,
): Promise<boolean> {
  const signInSessions = fake<SignInSessionRepository>('signInSessions', {
    getWithAccountState: async () => found,
  });
  return signInStillValid({ store: { signInSessions } as never, clock: () => NOW }, 'session-1');
}

describe('tunnel access: which sign-ins keep their streams', () => {
  it('keeps a sign-in that stands', async () => {
    assert.equal(await stillValid({ session: session(), account: 'enabled' }), true);
    assert.equal(await stillValid({ session: session(), account: 'none' }), true);
  });

  it('ends a revoked sign-in, a disabled or removed account, and a sign-in that is gone', async () => {
    assert.equal(await stillValid({ session: session({ revokedAt: NOW }), account: 'enabled' }), false);
    assert.equal(await stillValid({ session: session(), account: 'disabled' }), false);
    assert.equal(await stillValid({ session: session(), account: 'missing' }), false);
    assert.equal(await stillValid(undefined), false);
  });

  it('ends a sign-in past its end: what it opened does not outlive it', async () => {
    assert.equal(
      await stillValid({ session: session({ refreshExpiresAt: NOW }), account: 'enabled' }),
      false,
    );
    const earlier = new Date(NOW.getTime() - 1);
    assert.equal(
      await stillValid({ session: session({ refreshExpiresAt: earlier }), account: 'none' }),
      false,
    );
  });
});

describe('tunnel access: the connector of an agentless target', () => {
  const route = (id: string, network: string, agentId: string, minutesOld = 0): TunnelRouteRecord => ({
    id,
    accountId: 'account-1',
    network,
    agentId,
    virtualNetworkId: 'vnet-1',
    comment: '',
    createdAt: new Date(NOW.getTime() - minutesOld * 60_000),
  });
  const target = (ipv4?: string, ipv6?: string): TargetRecord => ({
    id: 'target-1',
    accountId: 'account-1',
    hostname: 'db-1',
    ...(ipv4 === undefined ? {} : { ipv4: { address: ipv4, virtualNetworkId: 'vnet-1' } }),
    ...(ipv6 === undefined ? {} : { ipv6: { address: ipv6, virtualNetworkId: 'vnet-1' } }),
    createdAt: NOW,
    modifiedAt: NOW,
  });
  const connectorOf = (routes: TunnelRouteRecord[], of: TargetRecord) => {
    const asked: string[] = [];
    const tunnelRoutes = fake<TunnelRouteRepository>('tunnelRoutes', {
      listForNetwork: async (_accountId, networkId) => {
        asked.push(networkId);
        return routes;
      },
    });
    return { asked, connector: connectorFor({ store: { tunnelRoutes } as never }, of) };
  };

  it('takes the longest prefix that holds the address, in the target network', async () => {
    const { asked, connector } = connectorOf(
      [route('wide', '10.0.0.0/8', 'agent-wide'), route('narrow', '10.77.0.0/24', 'agent-narrow')],
      target('10.77.0.5'),
    );
    assert.deepEqual(await connector, {
      agentId: 'agent-narrow',
      routeId: 'narrow',
      network: '10.77.0.0/24',
      address: '10.77.0.5',
    });
    assert.deepEqual(asked, ['vnet-1']);
  });

  it('falls back to the IPv6 address, and answers nothing when no route holds either', async () => {
    const routes = [route('v6', 'fd00:7::/64', 'agent-6'), route('other', '10.88.0.0/24', 'agent-4')];
    assert.equal((await connectorOf(routes, target('10.77.0.5', 'fd00:7::5')).connector)?.routeId, 'v6');
    assert.equal(await connectorOf(routes, target('10.77.0.5')).connector, undefined);
  });
});

describe('tunnel access: the port of a stream to an agentless target', () => {
  const DB: TargetRecord = {
    id: '00000000-0000-4000-8000-000000000002',
    accountId: ACCOUNT,
    hostname: 'db-1',
    ipv4: { address: '10.77.0.5', virtualNetworkId: 'vnet-1' },
    tags: {},
    createdAt: NOW,
    modifiedAt: NOW,
  };
  // The policy covers db-1 on port 2222 only.
  const world = () =>
    tunnelWorld({
      targets: [DB],
      apps: [app(['db-1'], 2222)],
      routes: [route('route-1', '10.77.0.0/24', 'connector-1', 'vnet-1')],
    });

  it('without a port, the port the policy covers: the connector dials 2222, not 22', async () => {
    const { services } = world();
    const grant = await authorizeTunnelStream(services, ada, { target: DB.id });
    assert.equal(grant.port, 2222);
    assert.deepEqual(grant.connector, {
      agentId: 'connector-1',
      routeId: 'route-1',
      network: '10.77.0.0/24',
      address: '10.77.0.5',
    });
  });

  it('a port no policy covers is refused and audited, as for any target', async () => {
    const { services, audit } = world();
    await assert.rejects(authorizeTunnelStream(services, ada, { target: DB.id, port: 22 }), (error: Error) =>
      /no policy lets you reach .* on port 22/.test(error.message),
    );
    assert.equal(audit.events.at(-1)?.action, 'tunnel.stream.deny');
    assert.equal((audit.events.at(-1)?.after as { reason?: string } | undefined)?.reason, 'port_not_allowed');
  });
});
