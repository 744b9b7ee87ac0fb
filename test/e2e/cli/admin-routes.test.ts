/**
 * `latchkey admin routes …` against a real latchkey-server process, run as a person would (the real
 * `latchkey` executable): a route created to an agent named by hostname, listed (table and JSON, with the
 * agent's and the network's names), refused with the server's reason (host bits, a network already
 * routed), deleted by id; a token without "Zero Trust: Edit" is refused naming it.
 */
import assert from 'node:assert/strict';
import { findFreePort } from '../../harness/network.js';
import { createTempDir, type TempDir } from '../../harness/temp-dir.js';
import { createApiToken, startServerProcess, type ServerProcess } from '../server/server-process.js';
import { makeCliHome, runLatchkey, type CliHome } from './latchkey-cli.js';

describe('e2e: latchkey admin routes against a real server', function () {
  this.timeout(240_000);
  let dir: TempDir;
  let server: ServerProcess;
  let cli: CliHome;
  let editToken: string;
  let readToken: string;
  let agentId: string;

  function admin(token: string, args: string[]) {
    return runLatchkey(cli, ['admin', ...args], { env: { LATCHKEY_API_TOKEN: token } });
  }

  before(async () => {
    dir = await createTempDir('admin-routes');
    const port = await findFreePort('127.0.0.1');
    server = await startServerProcess(['--data-dir', dir.file('server'), '--listen', `127.0.0.1:${port}`]);
    cli = await makeCliHome(dir.file('admin'), server.url);
    editToken = await createApiToken(dir.file('server'), 'Zero Trust: Edit');
    readToken = await createApiToken(dir.file('server'), 'Zero Trust: Read');
    const made = await admin(editToken, ['join-token', 'create', '--name', 'connector']);
    assert.equal(made.code, 0, made.stderr);
    const enrolled = await fetch(`${server.url}/v1/agents/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        join_token: made.stdout.trim(),
        hostname: 'connector-1',
        agent: { version: '0.1.0', distro: 'debian 12' },
      }),
    });
    assert.equal(enrolled.status, 200, await enrolled.clone().text());
    agentId = ((await enrolled.json()) as { result: { agent_id: string } }).result.agent_id;
  });
  after(async () => {
    await server?.stop();
    await dir?.remove();
  });

  it('creates a route to an agent named by hostname, lists it, refuses bad ones, deletes it', async () => {
    assert.equal(
      (await admin(readToken, ['routes'])).stdout,
      'No tunnel routes. Route a network to a connector with `latchkey admin routes create`.\n',
    );
    const created = await admin(editToken, [
      'routes',
      'create',
      '10.77.0.0/24',
      '--agent',
      'connector-1',
      '--comment',
      'site A',
    ]);
    assert.equal(created.code, 0, created.stderr);
    const match =
      /^Routed 10\.77\.0\.0\/24 to agent connector-1 \(([0-9a-f-]{36})\): route ([0-9a-f-]{36})\.\n$/.exec(
        created.stdout,
      );
    assert.ok(match, created.stdout);
    assert.equal(match[1], agentId);
    const routeId = match[2]!;

    const table = await admin(readToken, ['routes', 'list', '--agent', 'connector-1']);
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^ID\s+NETWORK\s+AGENT\s+VIRTUAL NETWORK\s+COMMENT\s+CREATED$/);
    assert.equal(lines.length, 2);
    assert.match(
      lines[1]!,
      new RegExp(`^${routeId}\\s+10\\.77\\.0\\.0/24\\s+connector-1\\s+default\\s+site A\\s+\\d{4}-`),
    );
    const json = JSON.parse((await admin(readToken, ['routes', '--json'])).stdout);
    assert.deepEqual(
      json.map((r: { id: string; tunnel_id: string; tunnel_name: string }) => [
        r.id,
        r.tunnel_id,
        r.tunnel_name,
      ]),
      [[routeId, agentId, 'connector-1']],
    );

    const hostBits = await admin(editToken, ['routes', 'create', '10.77.0.5/24', '--agent', agentId]);
    assert.equal(hostBits.code, 2, hostBits.stderr);
    assert.match(hostBits.stderr, /host bits set past \/24: the network is 10\.77\.0\.0\/24/);
    const twice = await admin(editToken, ['routes', 'create', '10.77.0.0/24', '--agent', 'connector-1']);
    assert.notEqual(twice.code, 0);
    assert.match(twice.stderr, new RegExp(`already routed \\(route ${routeId}\\)`));
    const noAgent = await admin(editToken, ['routes', 'create', '10.88.0.0/24', '--agent', 'nobody']);
    assert.notEqual(noAgent.code, 0);
    assert.match(noAgent.stderr, /no agent has the id or hostname "nobody"/);
    const readOnly = await admin(readToken, ['routes', 'create', '10.88.0.0/24', '--agent', 'connector-1']);
    assert.notEqual(readOnly.code, 0);
    assert.match(readOnly.stderr, /Zero Trust: Edit/);

    const deleted = await admin(editToken, ['routes', 'delete', routeId]);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(deleted.stdout, `Deleted route ${routeId} (10.77.0.0/24).\n`);
    assert.deepEqual(JSON.parse((await admin(readToken, ['routes', '--json'])).stdout), []);
    const again = await admin(editToken, ['routes', 'delete', routeId]);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /not found/);
  });
});
