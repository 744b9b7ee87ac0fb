// The console's security over injected requests (no browser, no port): the cookie's attributes over
// plain HTTP and behind an https public URL (Secure, __Host-), CSRF refusals, the headers on every
// answer, a disabled account's sign-in ending at once, and the 12-hour limit.
import assert from 'node:assert/strict';
import { startTestServer } from '../support/test-server.js';
import type { TestServer } from '../support/test-server.js';
import { CONSOLE_CSP } from '../../../server/src/adapters/http/console/console-routes.js';

const PASSWORD = 'correct horse battery';

describe('server HTTP: the console (injected)', function () {
  this.timeout(20_000);
  // The store stamps a sign-in with the real time; the server's clock moves on from there.
  let now = new Date();
  const servers: TestServer[] = [];
  after(async () => Promise.all(servers.map((server) => server.close())));

  async function serverWith(publicUrl?: string): Promise<TestServer> {
    const server = await startTestServer({
      clock: () => now,
      ...(publicUrl === undefined ? {} : { signIn: { publicUrl } }),
    });
    servers.push(server);
    await server.addUser('admin@example.com', PASSWORD, ['latchkey-admins']);
    return server;
  }

  const cookieOf = (header: unknown) => String(Array.isArray(header) ? header[0] : header);

  /** Signs in; the session cookie (name=value) and its Set-Cookie line. */
  async function signIn(server: TestServer): Promise<{ cookie: string; line: string }> {
    const page = await server.app.inject({ method: 'GET', url: '/console/sign-in' });
    assert.equal(page.statusCode, 200);
    const csrfCookie = cookieOf(page.headers['set-cookie']).split(';')[0]!;
    const answer = await server.app.inject({
      method: 'POST',
      url: '/console/sign-in',
      headers: { cookie: csrfCookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        csrf: csrfCookie.split('=')[1]!,
        email: 'admin@example.com',
        password: PASSWORD,
      }).toString(),
    });
    assert.equal(answer.statusCode, 303, answer.body);
    const line = cookieOf(answer.headers['set-cookie']);
    return { cookie: line.split(';')[0]!, line };
  }

  it('over plain HTTP: an HttpOnly, SameSite=Strict cookie without Secure', async () => {
    const server = await serverWith();
    const { line } = await signIn(server);
    assert.match(line, /^latchkey-console=[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
  });

  it('behind an https public URL: __Host- prefixed and Secure, the CSRF cookie too', async () => {
    const server = await serverWith('https://access.example.com');
    const page = await server.app.inject({ method: 'GET', url: '/console/sign-in' });
    assert.match(
      cookieOf(page.headers['set-cookie']),
      /^__Host-latchkey-csrf=.*; Path=\/; HttpOnly; SameSite=Strict; .*Secure$/,
    );
    const { line, cookie } = await signIn(server);
    assert.match(
      line,
      /^__Host-latchkey-console=[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200; Secure$/,
    );
    const targets = await server.app.inject({ method: 'GET', url: '/console/targets', headers: { cookie } });
    assert.equal(targets.statusCode, 200);
  });

  it('every answer has the CSP and frame denial: pages, redirects, refusals, not-found', async () => {
    const server = await serverWith();
    const { cookie } = await signIn(server);
    for (const [method, url, withCookie] of [
      ['GET', '/console/sign-in', false],
      ['GET', '/console/targets', false],
      ['GET', '/console/targets', true],
      ['GET', '/console/no-such-page', true],
      ['GET', '/console/logs/no-such-log', true],
      ['POST', '/console/sign-out', true],
    ] as const) {
      const answer = await server.app.inject({ method, url, headers: withCookie ? { cookie } : {} });
      assert.equal(answer.headers['content-security-policy'], CONSOLE_CSP, `${method} ${url}`);
      assert.equal(answer.headers['x-frame-options'], 'DENY', `${method} ${url}`);
      assert.equal(answer.headers['referrer-policy'], 'no-referrer', `${method} ${url}`);
    }
  });

  it('a POST with another sign-in’s CSRF token is refused, and the sign-in goes on', async () => {
    const server = await serverWith();
    const first = await signIn(server);
    const second = await signIn(server);
    const page = await server.app.inject({
      method: 'GET',
      url: '/console/sessions',
      headers: { cookie: second.cookie },
    });
    const secondToken = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const refused = await server.app.inject({
      method: 'POST',
      url: '/console/sign-out',
      headers: { cookie: first.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `csrf=${encodeURIComponent(secondToken)}`,
    });
    assert.equal(refused.statusCode, 403);
    const still = await server.app.inject({
      method: 'GET',
      url: '/console/targets',
      headers: { cookie: first.cookie },
    });
    assert.equal(still.statusCode, 200);
  });

  it('every change of the admin pages is refused without its CSRF token, and nothing changes', async () => {
    const server = await serverWith();
    const { cookie } = await signIn(server);
    const auditBefore = await server.call('GET', '/v1/audit?per_page=1');
    const id = '00000000-0000-4000-8000-000000000000';
    const forms: [string, Record<string, string>][] = [
      ['/console/join-tokens', { name: 'x', expires_in_hours: '1', max_uses: '1' }],
      [`/console/join-tokens/${id}/revoke`, {}],
      [`/console/agents/${id}/remove`, {}],
      [`/console/agents/${id}/replace`, {}],
      ['/console/ssh-ca/create', { key_type: 'ed25519' }],
      ['/console/ssh-ca/rotation', { action: 'start' }],
      ['/console/ssh-ca/delete', { confirm: 'true' }],
      ['/console/log-key', { public_key: Buffer.alloc(32, 7).toString('base64') }],
      ['/console/log-key/remove', {}],
      ['/console/api-tokens', { name: 'x', permission: 'Zero Trust: Read' }],
      [`/console/api-tokens/${id}/revoke`, {}],
      ['/console/networks', { vn_name: 'x' }],
      [`/console/networks/${id}/delete`, {}],
      ['/console/networks/routes', { network: '10.0.0.0/8', tunnel_id: id }],
      [`/console/networks/routes/${id}/delete`, {}],
      ['/console/policies', { name: 'x', include: 'everyone', usernames: 'root' }],
      [`/console/policies/${id}`, { name: 'x', include: 'everyone', usernames: 'root' }],
      [`/console/policies/${id}/delete`, {}],
      ['/console/apps', { name: 'x', hostnames: 'web-1', port: '22' }],
      [`/console/apps/${id}`, { name: 'x', hostnames: 'web-1', port: '22' }],
      [`/console/apps/${id}/delete`, {}],
      [`/console/apps/${id}/policies/new`, { name: 'x', include: 'everyone', usernames: 'root' }],
      [`/console/apps/${id}/policies/${id}`, { name: 'x', include: 'everyone', usernames: 'root' }],
      ['/console/groups', { name: 'x', include: 'everyone' }],
      [`/console/groups/${id}`, { name: 'x', include: 'everyone' }],
      [`/console/groups/${id}/delete`, {}],
      ['/console/people/accounts', { email: 'x@example.com', password: 'long enough', groups: '' }],
      ['/console/people/accounts/admin%40example.com/disable', {}],
      ['/console/people/accounts/admin%40example.com/enable', {}],
      ['/console/people/accounts/admin%40example.com/reset', { password: 'long enough' }],
      ['/console/people/sign-out', { email: 'admin@example.com' }],
      ['/console/people/accounts/admin%40example.com/groups', { groups: 'x' }],
      [`/console/targets/${id}`, { hostname: 'x', ipv4: '10.0.0.1' }],
      [`/console/networks/${id}`, { name: 'x' }],
      [`/console/networks/routes/${id}`, { network: '10.0.0.0/8', tunnel_id: id, virtual_network_id: id }],
    ];
    for (const [url, form] of forms) {
      for (const csrf of [undefined, 'not-the-token']) {
        const answer = await server.app.inject({
          method: 'POST',
          url,
          headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
          payload: new URLSearchParams({ ...form, ...(csrf === undefined ? {} : { csrf }) }).toString(),
        });
        assert.equal(answer.statusCode, 403, `${url} with csrf ${String(csrf)}`);
        assert.match(answer.body, /CSRF token is missing or wrong/, url);
        assert.equal(answer.headers['content-security-policy'], CONSOLE_CSP, url);
      }
    }
    assert.equal(typeof auditBefore.body.result_info.total_count, 'number');
    const auditAfter = await server.call('GET', '/v1/audit?per_page=1');
    assert.equal(
      auditAfter.body.result_info.total_count,
      auditBefore.body.result_info.total_count,
      'no audit event: nothing changed',
    );
  });

  it('pages the targets 50 at a time, the filter kept in the links; an auditor may not see them', async () => {
    const server = await serverWith();
    const batch = Array.from({ length: 120 }, (_, i) => ({
      hostname: `${i % 2 === 0 ? 'web' : 'db'}-${String(i).padStart(3, '0')}`,
      ip: { ipv4: { ip_addr: `10.7.0.${i + 1}` } },
    }));
    const created = await server.call('PUT', `${server.base}/infrastructure/targets/batch`, { body: batch });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const { cookie } = await signIn(server);
    const get = (url: string) => server.app.inject({ method: 'GET', url, headers: { cookie } });
    const first = await get('/console/targets');
    assert.equal((first.body.match(/<tr><td>/g) ?? []).length, 50);
    assert.match(first.body, /Page 1 of 3 \(120 in all\)/);
    assert.match(first.body, /href="\/console\/targets\?page=2" rel="next"/);
    const filtered = await get('/console/targets?hostname=web&page=2');
    assert.equal((filtered.body.match(/<tr><td>/g) ?? []).length, 10, '60 web targets: 50, then 10');
    assert.match(filtered.body, /Page 2 of 2 \(60 in all\)/);
    assert.match(filtered.body, /href="\/console\/targets\?hostname=web&amp;page=1" rel="prev"/);
    assert.doesNotMatch(filtered.body, /db-0/);

    await server.addUser('auditor@example.com', PASSWORD, ['latchkey-auditors']);
    const page = await server.app.inject({ method: 'GET', url: '/console/sign-in' });
    const csrfCookie = cookieOf(page.headers['set-cookie']).split(';')[0]!;
    const auditor = await server.app.inject({
      method: 'POST',
      url: '/console/sign-in',
      headers: { cookie: csrfCookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        csrf: csrfCookie.split('=')[1]!,
        email: 'auditor@example.com',
        password: PASSWORD,
      }).toString(),
    });
    const auditorCookie = cookieOf(auditor.headers['set-cookie']).split(';')[0]!;
    const refused = await server.app.inject({
      method: 'GET',
      url: '/console/targets',
      headers: { cookie: auditorCookie },
    });
    assert.equal(refused.statusCode, 403);
    assert.match(refused.body, /needs the permission &quot;Zero Trust: Read&quot;/);
  });

  it('a disabled account is signed out at once; a sign-in ends after 12 hours', async () => {
    const server = await serverWith();
    now = new Date();
    const { cookie } = await signIn(server);
    now = new Date(now.getTime() + 11 * 3600_000);
    assert.equal(
      (await server.app.inject({ method: 'GET', url: '/console/targets', headers: { cookie } })).statusCode,
      200,
    );
    now = new Date(now.getTime() + 3600_000 + 60_000);
    const expired = await server.app.inject({ method: 'GET', url: '/console/targets', headers: { cookie } });
    assert.equal(expired.statusCode, 303);
    assert.equal(expired.headers.location, '/console/sign-in');

    now = new Date();
    const fresh = await signIn(server);
    assert.equal(
      (await server.app.inject({ method: 'GET', url: '/console/targets', headers: { cookie: fresh.cookie } }))
        .statusCode,
      200,
    );
    const user = await server.store.users.getByEmail(server.accountId, 'admin@example.com');
    await server.store.users.update(server.accountId, user!.id, { disabled: true });
    const disabled = await server.app.inject({
      method: 'GET',
      url: '/console/targets',
      headers: { cookie: fresh.cookie },
    });
    assert.equal(disabled.statusCode, 303);
  });
});
