import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { findFreePort } from '../../harness/network.js';
import { createTempDir } from '../../harness/temp-dir.js';
import type { TempDir } from '../../harness/temp-dir.js';
import { api, runServerCommand, startServerProcess } from './server-process.js';

describe('e2e: latchkey-server start', function () {
  this.timeout(120_000);
  let dir: TempDir;

  beforeEach(async () => {
    dir = await createTempDir('server-e2e');
  });
  afterEach(async () => dir?.remove());

  async function accountId(server: { url: string }, token: string): Promise<string> {
    const accounts = await api(server, 'GET', '/client/v4/accounts', token);
    assert.equal(accounts.status, 200, JSON.stringify(accounts.body));
    return accounts.body.result[0].id;
  }

  it('zero configuration: writes admin.token (0600) and the CA key file (0600); data survives a crash and a restart', async () => {
    const port = await findFreePort('127.0.0.1');
    const args = ['--data-dir', dir.path, '--listen', `127.0.0.1:${port}`];
    const first = await startServerProcess(args);
    const adminToken = (await readFile(dir.file('admin.token'), 'utf8')).trim();
    assert.match(adminToken, /^lk_/);
    assert.equal((await stat(dir.file('admin.token'))).mode & 0o777, 0o600);
    assert.equal((await stat(dir.file('ca-encryption.key'))).mode & 0o777, 0o600);
    assert.equal((await stat(dir.file('latchkey.db'))).mode & 0o777, 0o600);
    assert.ok(first.output().includes(dir.file('admin.token')), first.output());
    assert.ok(!first.output().includes(adminToken), 'the secret is never logged');

    const account = await accountId(first, adminToken);
    const base = `/client/v4/accounts/${account}`;
    const target = await api(first, 'POST', `${base}/infrastructure/targets`, adminToken, {
      hostname: 'persisted',
      ip: { ipv4: { ip_addr: '10.20.30.40' } },
    });
    assert.equal(target.status, 200, JSON.stringify(target.body));
    const ca = await api(first, 'POST', `${base}/access/gateway_ca`, adminToken);
    assert.equal(ca.status, 200);
    await first.kill();

    const second = await startServerProcess(args);
    try {
      const read = await api(
        second,
        'GET',
        `${base}/infrastructure/targets/${target.body.result.id}`,
        adminToken,
      );
      assert.deepEqual(read.body.result, target.body.result);
      assert.deepEqual((await api(second, 'GET', `${base}/access/gateway_ca`, adminToken)).body.result, [
        ca.body.result,
      ]);
      assert.equal((await readFile(dir.file('admin.token'), 'utf8')).trim(), adminToken, 'not rewritten');
      assert.ok(!second.output().includes('first start'));
    } finally {
      await second.stop();
    }
  });

  it('logs where it listens, and the database it uses', async () => {
    const port = await findFreePort('127.0.0.1');
    const server = await startServerProcess(['--data-dir', dir.path, '--listen', `127.0.0.1:${port}`]);
    try {
      // The JSON log is written asynchronously; give it a moment to catch up with the LISTENING line.
      const deadline = Date.now() + 5000;
      while (!/listening on http:\/\/127\.0\.0\.1:\d+/.test(server.output()) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.match(server.output(), new RegExp(`listening on http://127\\.0\\.0\\.1:${port}`));
      assert.ok(server.output().includes(`SQLite ${dir.file('latchkey.db')}`), server.output());
    } finally {
      await server.stop();
    }
  });

  it('token create prints a token holding exactly the given permissions', async () => {
    const port = await findFreePort('127.0.0.1');
    const server = await startServerProcess(['--data-dir', dir.path, '--listen', `127.0.0.1:${port}`]);
    try {
      const created = await runServerCommand([
        'token', 'create', '--data-dir', dir.path, '--permission', 'Zero Trust: Read', '--expires', '30d', '--name', 'reader',
      ]); // prettier-ignore
      assert.equal(created.code, 0, created.stderr);
      const token = created.stdout.trim();
      assert.match(token, /^lk_[A-Za-z0-9_-]{43}$/);
      assert.match(created.stderr, /Zero Trust: Read/);
      const account = await accountId(server, token);
      const base = `/client/v4/accounts/${account}`;
      assert.equal((await api(server, 'GET', `${base}/infrastructure/targets`, token)).status, 200);
      const denied = await api(server, 'POST', `${base}/infrastructure/targets`, token, {
        hostname: 'x',
        ip: { ipv4: { ip_addr: '10.0.0.1' } },
      });
      assert.equal(denied.status, 403);
      assert.match(denied.body.errors[0].message, /"Zero Trust: Edit"/);
    } finally {
      await server.stop();
    }
  });

  it('concurrent creates of one (IP, vnet) pair over real HTTP: one 200, the rest 409', async () => {
    const port = await findFreePort('127.0.0.1');
    const server = await startServerProcess(['--data-dir', dir.path, '--listen', `127.0.0.1:${port}`]);
    try {
      const token = (await readFile(dir.file('admin.token'), 'utf8')).trim();
      const base = `/client/v4/accounts/${await accountId(server, token)}`;
      const body = { hostname: 'race', ip: { ipv4: { ip_addr: '10.66.66.66' } } };
      const results = await Promise.all(
        Array.from({ length: 8 }, () => api(server, 'POST', `${base}/infrastructure/targets`, token, body)),
      );
      assert.deepEqual(results.map((r) => r.status).sort(), [200, 409, 409, 409, 409, 409, 409, 409]);
      const listed = await api(server, 'GET', `${base}/infrastructure/targets?ip_v4=10.66.66.66`, token);
      assert.equal(listed.body.result.length, 1);
    } finally {
      await server.stop();
    }
  });

  it('serves HTTPS with a given certificate and key', async () => {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', dir.file('tls.key'), '-out', dir.file('tls.crt'),
    ], { stdio: 'ignore' }); // prettier-ignore
    const port = await findFreePort('127.0.0.1');
    const server = await startServerProcess([
      '--data-dir', dir.file('data'), '--listen', `127.0.0.1:${port}`,
      '--tls-cert', dir.file('tls.crt'), '--tls-key', dir.file('tls.key'),
    ]); // prettier-ignore
    try {
      assert.equal(server.url, `https://127.0.0.1:${port}`);
      const ca = await readFile(dir.file('tls.crt'));
      const token = (await readFile(dir.file('data/admin.token'), 'utf8')).trim();
      const body = await new Promise<string>((resolve, reject) => {
        const request = httpsRequest(
          `${server.url}/client/v4/accounts`,
          { ca, headers: { authorization: `Bearer ${token}` } },
          (response) => {
            let text = '';
            response.on('data', (chunk: Buffer) => (text += chunk.toString()));
            response.on('end', () => resolve(text));
          },
        );
        request.on('error', reject);
        request.end();
      });
      assert.equal(JSON.parse(body).success, true);
      // Plain HTTP on the HTTPS port gets nowhere.
      await assert.rejects(fetch(`http://127.0.0.1:${port}/client/v4/accounts`).then((r) => r.json()));
    } finally {
      await server.stop();
    }
  });

  const badSettings: [string, (dir: TempDir) => string[], RegExp][] = [
    ['plain HTTP on a non-loopback address', (d) => ['start', '--data-dir', d.path, '--listen', '0.0.0.0:8443'], /^latchkey-server: --listen .*not a loopback address/m],
    ['a malformed listen address', (d) => ['start', '--data-dir', d.path, '--listen', 'localhost'], /^latchkey-server: --listen .*HOST:PORT/m],
    ['a certificate without a key', (d) => ['start', '--data-dir', d.path, '--tls-cert', d.file('c.pem')], /^latchkey-server: --tls-key .*required/m],
    ['unreadable TLS files', (d) => ['start', '--data-dir', d.path, '--tls-cert', d.file('no.crt'), '--tls-key', d.file('no.key')], /^latchkey-server: --tls-cert: cannot read/m],
    ['a MySQL database URL', (d) => ['start', '--data-dir', d.path, '--database-url', 'mysql://x@db/y'], /^latchkey-server: --database-url .*postgres/m],
    ['an unknown permission', (d) => ['token', 'create', '--data-dir', d.path, '--permission', 'Root'], /^latchkey-server: --permission: unknown permission/m],
    ['a token without permissions', (d) => ['token', 'create', '--data-dir', d.path], /^latchkey-server: --permission is required/m],
    ['a bad expiry', (d) => ['token', 'create', '--data-dir', d.path, '--permission', 'Zero Trust: Read', '--expires', 'soon'], /^latchkey-server: --expires "soon" is not valid/m],
    ['an unknown option', (d) => ['start', '--data-dir', d.path, '--port', '1'], /unknown option '--port'/],
  ]; // prettier-ignore
  for (const [what, args, message] of badSettings) {
    it(`exits 2 naming the setting for ${what}`, async () => {
      const result = await runServerCommand(args(dir));
      assert.equal(result.code, 2, `${result.stdout}\n${result.stderr}`);
      assert.match(result.stderr, message);
    });
  }
});
