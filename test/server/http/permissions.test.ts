import assert from 'node:assert/strict';
import { ALL_PERMISSIONS, PERMISSIONS, grants } from '../../../server/src/domain/permissions.js';
import type { Permission } from '../../../server/src/domain/permissions.js';
import { startTestServer } from '../support/test-server.js';
import type { TestServer } from '../support/test-server.js';
import { AGENT_ROUTES } from '../agents/agent-routes-table.js';
import { SSH_LOG_ROUTES } from './ssh-logs-routes-table.js';

/** The permission each route needs (the contract; the test checks the server declares the same). */
const EXPECTED: Record<string, Permission | null> = {
  'GET /client/v4/accounts': null,
  'GET /client/v4/user/tokens/verify': null,
  'GET ': null,
  'GET /tokens/verify': null,
  'POST /infrastructure/targets': PERMISSIONS.zeroTrustEdit,
  'GET /infrastructure/targets': PERMISSIONS.zeroTrustRead,
  'PUT /infrastructure/targets/batch': PERMISSIONS.zeroTrustEdit,
  'POST /infrastructure/targets/batch_delete': PERMISSIONS.zeroTrustEdit,
  'DELETE /infrastructure/targets/batch': PERMISSIONS.zeroTrustEdit,
  'GET /infrastructure/targets/:target_id': PERMISSIONS.zeroTrustRead,
  'PUT /infrastructure/targets/:target_id': PERMISSIONS.zeroTrustEdit,
  'DELETE /infrastructure/targets/:target_id': PERMISSIONS.zeroTrustEdit,
  'GET /teamnet/virtual_networks': PERMISSIONS.zeroTrustRead,
  'POST /teamnet/virtual_networks': PERMISSIONS.zeroTrustEdit,
  'GET /teamnet/virtual_networks/:virtual_network_id': PERMISSIONS.zeroTrustRead,
  'PATCH /teamnet/virtual_networks/:virtual_network_id': PERMISSIONS.zeroTrustEdit,
  'DELETE /teamnet/virtual_networks/:virtual_network_id': PERMISSIONS.zeroTrustEdit,
  'GET /teamnet/routes': PERMISSIONS.zeroTrustRead,
  'POST /teamnet/routes': PERMISSIONS.zeroTrustEdit,
  'GET /teamnet/routes/:route_id': PERMISSIONS.zeroTrustRead,
  'PATCH /teamnet/routes/:route_id': PERMISSIONS.zeroTrustEdit,
  'DELETE /teamnet/routes/:route_id': PERMISSIONS.zeroTrustEdit,
  'GET /teamnet/routes/ip/:ip': PERMISSIONS.zeroTrustRead,
  'POST /access/apps': PERMISSIONS.appsAndPoliciesEdit,
  'GET /access/apps': PERMISSIONS.appsAndPoliciesRead,
  'GET /access/apps/:app_id': PERMISSIONS.appsAndPoliciesRead,
  'PUT /access/apps/:app_id': PERMISSIONS.appsAndPoliciesEdit,
  'DELETE /access/apps/:app_id': PERMISSIONS.appsAndPoliciesEdit,
  'POST /access/policies': PERMISSIONS.appsAndPoliciesEdit,
  'GET /access/policies': PERMISSIONS.appsAndPoliciesRead,
  'GET /access/policies/:policy_id': PERMISSIONS.appsAndPoliciesRead,
  'PUT /access/policies/:policy_id': PERMISSIONS.appsAndPoliciesEdit,
  'DELETE /access/policies/:policy_id': PERMISSIONS.appsAndPoliciesEdit,
  'POST /access/groups': PERMISSIONS.appsAndPoliciesEdit,
  'GET /access/groups': PERMISSIONS.appsAndPoliciesRead,
  'GET /access/groups/:group_id': PERMISSIONS.appsAndPoliciesRead,
  'PUT /access/groups/:group_id': PERMISSIONS.appsAndPoliciesEdit,
  'DELETE /access/groups/:group_id': PERMISSIONS.appsAndPoliciesEdit,
  'POST /access/gateway_ca': PERMISSIONS.sshAuditingEdit,
  'GET /access/gateway_ca': PERMISSIONS.sshAuditingRead,
  'DELETE /access/gateway_ca/:ca_id': PERMISSIONS.sshAuditingEdit,
  'GET /latchkey/ca_rotation': PERMISSIONS.sshAuditingRead,
  'POST /latchkey/ca_rotation': PERMISSIONS.sshAuditingEdit,
  'GET /latchkey/host_ca': PERMISSIONS.sshAuditingRead,
  'GET /gateway/audit_ssh_settings': PERMISSIONS.sshAuditingRead,
  'PUT /gateway/audit_ssh_settings': PERMISSIONS.sshAuditingEdit,
  'POST /gateway/audit_ssh_settings/rotate_seed': PERMISSIONS.sshAuditingEdit,
  'GET /v1/audit': PERMISSIONS.auditLogsRead,
  ...AGENT_ROUTES,
  ...SSH_LOG_ROUTES,
};

const ACCOUNT_PREFIX = '/client/v4/accounts/:account_id';
const someId = '00000000-0000-4000-8000-000000000000';

function key(method: string, url: string): string {
  return `${method} ${url.startsWith(ACCOUNT_PREFIX) ? url.slice(ACCOUNT_PREFIX.length) : url}`;
}

describe('server HTTP: permissions per route', () => {
  let server: TestServer;
  const tokens = new Map<string, string>();

  before(async () => {
    server = await startTestServer();
  });
  after(async () => server?.close());

  /** A token holding exactly `permissions` (cached). */
  async function tokenWith(permissions: Permission[]): Promise<string> {
    const name = [...permissions].sort().join('|');
    let token = tokens.get(name);
    if (token === undefined) {
      token = await server.token(permissions);
      tokens.set(name, token);
    }
    return token;
  }

  function concreteUrl(url: string, accountId = server.accountId): string {
    return url.replace(':account_id', accountId).replace(/:[a-z_]+/g, someId);
  }

  it('the server declares exactly the routes and permissions of the table', () => {
    const declared = Object.fromEntries(
      server.routes
        .filter((r) => r.access !== 'public' && r.access !== 'person')
        .map((r) => [key(r.method, r.url), r.access]),
    );
    assert.deepEqual(declared, EXPECTED);
    // Sign-in access tokens reach exactly the signed-in person's own routes (test/server/sign-in/).
    assert.deepEqual(
      server.routes.filter((r) => r.access === 'person').map((r) => key(r.method, r.url)),
      ['GET /v1/me', 'GET /v1/me/targets', 'POST /v1/me/certificates', 'GET /v1/me/host_ca'],
    );
  });

  it('Edit implies Read, never the other way, and never across groups', () => {
    assert.ok(grants([PERMISSIONS.zeroTrustEdit], PERMISSIONS.zeroTrustRead));
    assert.ok(!grants([PERMISSIONS.zeroTrustRead], PERMISSIONS.zeroTrustEdit));
    assert.ok(!grants([PERMISSIONS.appsAndPoliciesEdit], PERMISSIONS.zeroTrustRead));
    assert.ok(grants([PERMISSIONS.sshAuditingEdit], PERMISSIONS.sshAuditingRead));
  });

  for (const [route, needed] of Object.entries(EXPECTED)) {
    if (needed === null) continue;
    const [method, path] = route.split(' ') as [string, string];
    const url = path.startsWith('/v1/') ? path : `${ACCOUNT_PREFIX}${path}`;

    it(`${route}: 403 naming "${needed}" without it; not 403 with it`, async () => {
      const others = ALL_PERMISSIONS.filter((p) => !grants([p], needed));
      const without = await server.call(method as 'GET', concreteUrl(url), {
        token: await tokenWith(others),
        body: method === 'GET' || method === 'DELETE' ? undefined : {},
      });
      assert.equal(without.status, 403, JSON.stringify(without.body));
      assert.equal(without.body.success, false);
      assert.ok(without.body.errors[0].message.includes(`"${needed}"`), without.body.errors[0].message);

      const withIt = await server.call(method as 'GET', concreteUrl(url), {
        token: await tokenWith([needed]),
        body: method === 'GET' || method === 'DELETE' ? undefined : {},
      });
      assert.notEqual(withIt.status, 403, JSON.stringify(withIt.body));
      assert.notEqual(withIt.status, 401, JSON.stringify(withIt.body));
    });
  }

  it('read routes accept the matching Edit permission', async () => {
    const response = await server.call('GET', `${server.base}/infrastructure/targets`, {
      token: await tokenWith([PERMISSIONS.zeroTrustEdit]),
    });
    assert.equal(response.status, 200);
  });

  it('another account id in the path is 403 whether or not it exists, saying nothing about it', async () => {
    const other = await server.call('GET', concreteUrl(`${ACCOUNT_PREFIX}/infrastructure/targets`, someId));
    const garbage = await server.call('GET', concreteUrl(`${ACCOUNT_PREFIX}/infrastructure/targets`, 'abc'));
    assert.equal(other.status, 403);
    assert.equal(garbage.status, 403);
    assert.equal(
      other.body.errors[0].message.replace(someId, 'X'),
      garbage.body.errors[0].message.replace('abc', 'X'),
    );
  });

  it('GET /client/v4/accounts lists the token account for any valid token', async () => {
    const response = await server.call('GET', '/client/v4/accounts', {
      token: await tokenWith([PERMISSIONS.auditLogsRead]),
    });
    assert.equal(response.status, 200);
    assert.deepEqual(
      response.body.result.map((a: { id: string }) => a.id),
      [server.accountId],
    );
    assert.equal(response.body.result_info.total_count, 1);
  });
});
