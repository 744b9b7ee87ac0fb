import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { findFreePort } from '../../harness/network.js';
import { startPostgres } from '../../harness/postgres.js';
import type { RunningPostgres } from '../../harness/postgres.js';
import { createTempDir } from '../../harness/temp-dir.js';
import type { TempDir } from '../../harness/temp-dir.js';
import { api, startServerProcess } from './server-process.js';
import type { ServerProcess } from './server-process.js';

describe('e2e: several server processes on one PostgreSQL serve the same data', function () {
  this.timeout(180_000);
  let postgres: RunningPostgres;
  let dir: TempDir;
  const servers: ServerProcess[] = [];

  before(async () => {
    postgres = await startPostgres();
    dir = await createTempDir('server-pg');
  });
  after(async () => {
    for (const server of servers) await server.stop();
    await postgres?.stop();
    await dir?.remove();
  });

  it('writes through one process and reads through the other; one (IP, vnet) conflict across both', async () => {
    const databaseUrl = await postgres.createDatabase();
    // The processes share the database and the CA encryption key; each has its own data dir.
    const shared = ['--database-url', databaseUrl, '--ca-key-file', dir.file('ca-encryption.key')];
    const [a, b] = await Promise.all(
      ['a', 'b'].map(
        async (name) =>
        startServerProcess([
          '--data-dir', dir.file(name), '--listen', `127.0.0.1:${await findFreePort('127.0.0.1')}`, ...shared,
        ]), // prettier-ignore
      ),
    );
    servers.push(a!, b!);
    // Exactly one of them made the account and wrote the admin token.
    const tokens = await Promise.all(
      ['a', 'b'].map((name) => readFile(dir.file(`${name}/admin.token`), 'utf8').catch(() => undefined)),
    );
    const written = tokens.filter((token) => token !== undefined);
    assert.equal(written.length, 1, 'one admin token for one account');
    const token = written[0]!.trim();

    const accountsA = await api(a!, 'GET', '/client/v4/accounts', token);
    const accountsB = await api(b!, 'GET', '/client/v4/accounts', token);
    assert.deepEqual(accountsA.body.result, accountsB.body.result);
    const base = `/client/v4/accounts/${accountsA.body.result[0].id}`;

    const target = await api(a!, 'POST', `${base}/infrastructure/targets`, token, {
      hostname: 'shared',
      ip: { ipv4: { ip_addr: '10.1.2.3' } },
    });
    assert.equal(target.status, 200, JSON.stringify(target.body));
    const read = await api(b!, 'GET', `${base}/infrastructure/targets/${target.body.result.id}`, token);
    assert.deepEqual(read.body.result, target.body.result);

    const clash = await api(b!, 'POST', `${base}/infrastructure/targets`, token, {
      hostname: 'other',
      ip: { ipv4: { ip_addr: '10.1.2.3' } },
    });
    assert.equal(clash.status, 409);

    // The CA made through one is served (and its key sealed with the shared key) through the other.
    const ca = await api(b!, 'POST', `${base}/access/gateway_ca`, token);
    assert.equal(ca.status, 200);
    assert.deepEqual((await api(a!, 'GET', `${base}/access/gateway_ca`, token)).body.result, [
      ca.body.result,
    ]);
    const again = await api(a!, 'POST', `${base}/access/gateway_ca`, token);
    assert.equal(again.body.errors[0].message, 'access.api.error.gateway_ca_already_exists');

    // Concurrent creates of one pair spread over both processes: exactly one wins.
    const body = { hostname: 'race', ip: { ipv6: { ip_addr: 'fd00::77' } } };
    const results = await Promise.all(
      [a, b, a, b, a, b].map((server) => api(server!, 'POST', `${base}/infrastructure/targets`, token, body)),
    );
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 409, 409, 409, 409, 409]);
    const audit = await api(a!, 'GET', '/v1/audit?action=target.create', token);
    assert.equal(audit.body.result_info.total_count, 2);
  });
});
