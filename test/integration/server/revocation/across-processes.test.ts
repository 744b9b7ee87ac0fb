// Issue 13, "revocation that works at once", across server processes: two real latchkey-server processes
// share one PostgreSQL; whatever is revoked through one (or with the latchkey-server commands, which
// write to the database directly) is refused on its very next request through the other. No server
// process keeps a cache that outlives a revocation.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { findFreePort } from '../../../harness/network.js';
import { startPostgres } from '../../../harness/postgres.js';
import type { RunningPostgres } from '../../../harness/postgres.js';
import { createTempDir } from '../../../harness/temp-dir.js';
import type { TempDir } from '../../../harness/temp-dir.js';
import { api, runServerCommand, startServerProcess } from '../../../e2e/server/server-process.js';
import type { Json, ServerProcess } from '../../../e2e/server/server-process.js';
import { getJson, postForm, signInBuiltIn } from '../../../server/sign-in/sign-in-client.js';

describe('revocation across two server processes on one PostgreSQL', function () {
  this.timeout(180_000);
  let postgres: RunningPostgres;
  let dir: TempDir;
  let a: ServerProcess;
  let b: ServerProcess;
  let shared: string[];
  let adminToken: string;
  let adminDataDir: string;
  let base: string;

  /** A latchkey-server command on the shared database (as an admin on the server's host runs it). */
  const command = (args: string[], input?: string) =>
    runServerCommand([...args, '--data-dir', adminDataDir, ...shared], 60_000, input);

  before(async () => {
    postgres = await startPostgres();
    dir = await createTempDir('revocation-pg');
    const databaseUrl = await postgres.createDatabase();
    shared = ['--database-url', databaseUrl, '--ca-key-file', dir.file('ca-encryption.key')];
    // One public URL, as behind a load balancer: access tokens name it as their issuer.
    const portA = await findFreePort('127.0.0.1');
    const publicUrl = ['--public-url', `http://127.0.0.1:${portA}`];
    a = await startServerProcess([
      '--data-dir', dir.file('a'), '--listen', `127.0.0.1:${portA}`, ...publicUrl, ...shared,
    ]); // prettier-ignore
    b = await startServerProcess([
      '--data-dir', dir.file('b'), '--listen', `127.0.0.1:${await findFreePort('127.0.0.1')}`, ...publicUrl,
      ...shared,
    ]); // prettier-ignore
    adminDataDir = dir.file('a');
    adminToken = (await readFile(dir.file('a/admin.token'), 'utf8')).trim();
    const accounts = await api(a, 'GET', '/client/v4/accounts', adminToken);
    base = `/client/v4/accounts/${accounts.body.result[0].id}`;
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
    await postgres?.stop();
    await dir?.remove();
  });

  it('an API token revoked through A (REST) or with `token revoke` gets 401 on its next request through B', async () => {
    const created = await command(['token', 'create', '--permission', 'Zero Trust: Read', '--name', 'ci']);
    assert.equal(created.code, 0, created.stderr);
    const secret = created.stdout.trim();
    assert.equal((await api(b, 'GET', `${base}/infrastructure/targets`, secret)).status, 200);
    const id = (await api(b, 'GET', '/client/v4/user/tokens/verify', secret)).body.result.id;
    const listed = await command(['token', 'list']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`^${id}\\tactive\\tci\\tZero Trust: Read$`, 'm'));
    assert.ok(!listed.stdout.includes(secret), 'token list never prints a secret');

    const revoked = await api(a, 'DELETE', `${base}/latchkey/api_tokens/${id}`, adminToken);
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
    const next = await api(b, 'GET', `${base}/infrastructure/targets`, secret);
    assert.equal(next.status, 401);
    assert.match(next.body.errors[0].message, /revoked/);

    const other = (
      await command(['token', 'create', '--permission', 'Audit Logs: Read', '--name', 'auditor'])
    ).stdout.trim();
    const otherId = (await api(a, 'GET', '/client/v4/user/tokens/verify', other)).body.result.id;
    assert.equal((await api(a, 'GET', '/v1/audit', other)).status, 200);
    const cli = await command(['token', 'revoke', otherId]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, new RegExp(`revoked API token ${otherId} \\(auditor\\)`));
    for (const server of [a, b]) assert.equal((await api(server, 'GET', '/v1/audit', other)).status, 401);
    const json = JSON.parse((await command(['token', 'list', '--json'])).stdout) as Json[];
    assert.equal(json.find((t) => t.id === otherId).status, 'revoked');
  });

  it('token rotate-admin writes a new admin.token and the old one is refused by both processes', async () => {
    const before = adminToken;
    const rotated = await command(['token', 'rotate-admin']);
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.match(
      rotated.stderr,
      /a new admin API token \S+ is in .*admin\.token.*the token it held \(\S+\) is revoked/,
    );
    adminToken = (await readFile(dir.file('a/admin.token'), 'utf8')).trim();
    assert.notEqual(adminToken, before);
    for (const server of [a, b]) {
      assert.equal((await api(server, 'GET', `${base}/infrastructure/targets`, before)).status, 401);
      assert.equal((await api(server, 'GET', `${base}/infrastructure/targets`, adminToken)).status, 200);
    }
  });

  it('an agent removed through A: its credential is refused through B at once and cannot renew', async () => {
    const join = await api(a, 'POST', `${base}/latchkey/join_tokens`, adminToken, { name: 'pg agent' });
    const enrolled = await fetch(`${b.url}/v1/agents/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        join_token: join.body.result.token,
        hostname: 'pg-host',
        agent: { version: '0.1.0', distro: 'debian 12' },
      }),
    });
    const credential = ((await enrolled.json()) as Json).result;
    const beat = { version: '0.1.0', distro: 'debian 12', sshd_config: { state: 'trusted' } };
    assert.equal((await api(b, 'POST', '/v1/agents/heartbeat', credential.api_token, beat)).status, 200);
    const removed = await api(a, 'DELETE', `${base}/latchkey/agents/${credential.agent_id}`, adminToken);
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    assert.equal((await api(b, 'POST', '/v1/agents/heartbeat', credential.api_token, beat)).status, 401);
    assert.equal((await api(b, 'POST', '/v1/agents/credential/renew', credential.api_token)).status, 401);
  });

  it('`user signout` ends every sign-in of the person on both processes; a reused refresh token ends it too', async () => {
    const added = await command(['user', 'add', 'pat@example.com'], 'pat long password\n');
    assert.equal(added.code, 0, added.stderr);
    const viaA = await signInBuiltIn(a.url, 'pat@example.com', 'pat long password');
    const viaB = await signInBuiltIn(b.url, 'pat@example.com', 'pat long password');
    for (const server of [a, b]) {
      assert.equal((await getJson(server.url, '/v1/me', viaA.access_token)).status, 200);
    }
    const out = await command(['user', 'signout', 'pat@example.com']);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /signed pat@example\.com out everywhere: 2 sign-in\(s\) revoked/);
    for (const server of [a, b]) {
      for (const tokens of [viaA, viaB]) {
        assert.equal((await getJson(server.url, '/v1/me', tokens.access_token)).status, 401);
        const refreshed = await postForm(server.url, '/oauth/token', {
          grant_type: 'refresh_token',
          refresh_token: tokens.refresh_token,
        });
        assert.equal(refreshed.body.error, 'invalid_grant');
      }
    }

    // Refresh through A, replay the old token through B: the newest one dies on A as well.
    const again = await signInBuiltIn(a.url, 'pat@example.com', 'pat long password');
    const rotated = await postForm(a.url, '/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: again.refresh_token,
    });
    assert.equal(rotated.status, 200);
    const replay = await postForm(b.url, '/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: again.refresh_token,
    });
    assert.equal(replay.body.error, 'invalid_grant');
    const newest = await postForm(a.url, '/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: rotated.body.refresh_token,
    });
    assert.equal(newest.body.error, 'invalid_grant');
    assert.equal((await getJson(a.url, '/v1/me', rotated.body.access_token)).status, 401);
  });
});
