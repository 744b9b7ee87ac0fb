/**
 * Issue 16 over HTTP: unknown query parameters refused on every list, paging and result_info on the lists
 * that had none, x-should-retry on answers a retry cannot change, and the refusals of the new fields.
 */
import assert from 'node:assert/strict';
import { startTestServer } from '../support/test-server.js';
import type { TestServer } from '../support/test-server.js';

describe('server HTTP: Cloudflare fidelity (issue 16)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => server?.close());

  const app = (criteria: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    name: `app ${Math.random()}`,
    type: 'infrastructure',
    target_criteria: criteria,
    ...extra,
  });

  it('every list refuses an unknown query parameter with 400 naming it', async () => {
    const lists = [
      '/client/v4/accounts',
      `${server.base}/access/apps`,
      `${server.base}/access/policies`,
      `${server.base}/access/groups`,
      `${server.base}/teamnet/virtual_networks`,
      `${server.base}/infrastructure/targets`,
      `${server.base}/access/gateway_ca`,
      `${server.base}`,
    ];
    for (const url of lists) {
      const response = await server.call('GET', `${url}?colour=blue`);
      assert.equal(response.status, 400, `${url}: ${JSON.stringify(response.body)}`);
      assert.match(response.body.errors[0].message, /colour/, url);
      assert.equal(response.headers['x-should-retry'], 'false', url);
    }
  });

  it('apps: domain is refused, not ignored; target_attributes takes only hostname=', async () => {
    for (const query of ['domain=example.com', 'target_attributes=env%3Dprod']) {
      const response = await server.call('GET', `${server.base}/access/apps?${query}`);
      assert.equal(response.status, 400, JSON.stringify(response.body));
    }
    assert.equal(
      (await server.call('GET', `${server.base}/access/apps?target_attributes=hostname%3Dweb`)).status,
      200,
    );
  });

  it('apps, policies, groups and accounts page with result_info; a page past the end is empty', async () => {
    for (let i = 0; i < 3; i++) {
      const created = await server.call('POST', `${server.base}/access/groups`, {
        body: { name: `g${i}`, include: [{ everyone: {} }] },
      });
      assert.equal(created.status, 200, JSON.stringify(created.body));
    }
    const first = await server.call('GET', `${server.base}/access/groups?per_page=2`);
    assert.deepEqual(first.body.result_info, {
      page: 1,
      per_page: 2,
      count: 2,
      total_count: 3,
      total_pages: 2,
    });
    const second = await server.call('GET', `${server.base}/access/groups?per_page=2&page=2`);
    assert.equal(second.body.result.length, 1);
    const third = await server.call('GET', `${server.base}/access/groups?per_page=2&page=3`);
    assert.deepEqual(third.body.result, []);
    assert.equal(
      (await server.call('GET', `${server.base}/access/groups?name=G1`)).body.result[0].name,
      'g1',
    );
    assert.equal((await server.call('GET', `${server.base}/access/groups?search=g`)).body.result.length, 3);
    for (const url of [
      '/client/v4/accounts?page=2',
      `${server.base}/access/apps?page=2`,
      `${server.base}/access/policies?page=2`,
    ]) {
      const response = await server.call('GET', url);
      assert.equal(response.status, 200, url);
      assert.deepEqual(response.body.result, [], url);
      assert.equal(response.body.result_info.page, 2, url);
    }
  });

  it('a 409 says x-should-retry: false; a 2xx does not', async () => {
    const body = { hostname: 'dup', ip: { ipv4: { ip_addr: '10.9.9.9' } } };
    const ok = await server.call('POST', `${server.base}/infrastructure/targets`, { body });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers['x-should-retry'], undefined);
    const again = await server.call('POST', `${server.base}/infrastructure/targets`, { body });
    assert.equal(again.status, 409);
    assert.equal(again.headers['x-should-retry'], 'false');
  });

  it('targets: tag filters must be key:value', async () => {
    for (const tag of [':prod', 'env:', 'env']) {
      const response = await server.call(
        'GET',
        `${server.base}/infrastructure/targets?tag=${encodeURIComponent(tag)}`,
      );
      assert.equal(response.status, 400, `${tag}: ${JSON.stringify(response.body)}`);
      assert.match(response.body.errors[0].message, /tag/);
    }
  });

  const criterion = { port: 22, protocol: 'SSH' };
  const invalid: [string, unknown, string, RegExp][] = [
    ['both criteria forms', app([{ ...criterion, target_attributes: { hostname: ['a'] }, include: { tags: { env: ['x'] } } }]), '/target_criteria/0/include', /not both/],
    ['neither form', app([{ ...criterion }]), '/target_criteria/0', /needs target_attributes/],
    ['require without include', app([{ ...criterion, require: { tags: { env: ['x'] } } }]), '/target_criteria/0/include', /include/],
    ['an empty selector set', app([{ ...criterion, include: {} }]), '/target_criteria/0/include', /./],
    ['a flat key other than hostname', app([{ ...criterion, target_attributes: { env: ['x'] } }]), '/target_criteria/0/target_attributes/hostname', /required/],
    ['a bad hostname in the rule form', app([{ ...criterion, include: { target_attributes: { hostname: ['bad host'] } } }]), '/target_criteria/0/include/target_attributes/hostname/0', /./],
    ['an unknown authenticator', app([{ ...criterion, target_attributes: { hostname: ['a'] } }], { mfa_config: { allowed_authenticators: ['totp'] } }), '/mfa_config/allowed_authenticators/0', /./],
    ['a session_duration over 720h', app([{ ...criterion, target_attributes: { hostname: ['a'] } }], { mfa_config: { session_duration: '721h' } }), '/mfa_config/session_duration', /720h/],
  ]; // prettier-ignore
  for (const [what, body, pointer, message] of invalid) {
    it(`apps: refuses ${what} at ${pointer}`, async () => {
      const response = await server.call('POST', `${server.base}/access/apps`, { body });
      assert.equal(response.status, 400, JSON.stringify(response.body));
      assert.equal(response.body.errors[0].source?.pointer, pointer, JSON.stringify(response.body));
      assert.match(response.body.errors[0].message, message);
      assert.equal(response.headers['x-should-retry'], 'false');
    });
  }

  it('apps: mfa_config and the rule form round-trip; a policy-level mfa_config is refused', async () => {
    const body = app([{ ...criterion, include: { tags: { env: ['prod'] } }, exclude: { target_attributes: { hostname: ['db'] } } }], {
      mfa_config: { allowed_authenticators: ['piv_key'], mfa_disabled: false, session_duration: '24h' },
    }); // prettier-ignore
    const created = await server.call('POST', `${server.base}/access/apps`, { body });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.deepEqual(created.body.result.target_criteria, body.target_criteria);
    assert.deepEqual(created.body.result.mfa_config, body.mfa_config);
    const policy = await server.call('POST', `${server.base}/access/policies`, {
      body: { name: 'p', decision: 'allow', include: [{ everyone: {} }], mfa_config: { mfa_disabled: true } },
    });
    assert.equal(policy.status, 400, JSON.stringify(policy.body));
    assert.match(policy.body.errors[0].message, /mfa_config/);
  });

  it('GET /accounts/{id} and its tokens/verify; another account id is refused', async () => {
    const account = await server.call('GET', server.base);
    assert.equal(account.status, 200);
    assert.equal(account.body.result.id, server.accountId);
    assert.equal((await server.call('GET', `${server.base}/tokens/verify`)).body.result.status, 'active');
    const other = await server.call('GET', '/client/v4/accounts/0123456789abcdef0123456789abcdef');
    assert.equal(other.status, 403);
  });
});
