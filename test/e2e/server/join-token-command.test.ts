// `latchkey-server join-token create` against a running server's database: the token it prints enrols a
// host (the public enrolment endpoint accepts it as many times as --uses says), and bad input is refused
// with a message naming the option.
import assert from 'node:assert/strict';
import { createTempDir } from '../../harness/index.js';
import type { TempDir } from '../../harness/index.js';
import { runServerCommand, startServerProcess } from './server-process.js';
import type { ServerProcess } from './server-process.js';

describe('e2e: latchkey-server join-token create', function () {
  this.timeout(120_000);
  let dir: TempDir;
  let server: ServerProcess;
  const joinToken = (args: string[]) =>
    runServerCommand(['join-token', 'create', ...args, '--data-dir', dir.path], 30_000);

  before(async () => {
    dir = await createTempDir('join-token-command');
    server = await startServerProcess(['--data-dir', dir.path, '--listen', '127.0.0.1:0']);
  });
  after(async () => {
    await server?.stop();
    await dir?.remove();
  });

  const enroll = (token: string, hostname: string) =>
    fetch(`${server.url}/v1/agents/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ join_token: token, hostname, agent: { version: '0.1.0' } }),
    });

  it('prints a secret that enrols --uses hosts, then no more', async () => {
    const created = await joinToken(['--name', 'web servers', '--uses', '2', '--expires', '2h']);
    assert.equal(created.code, 0, created.stderr);
    const secret = created.stdout.trim();
    assert.match(secret, /^lkj_[A-Za-z0-9_-]{43}$/);
    assert.match(created.stderr, /\(web servers\): 2 use\(s\), expires \d{4}-/);
    assert.match(created.stderr, /install\.sh \| sudo bash -s -- --token lkj_/);

    assert.equal((await enroll(secret, 'web-1')).status, 200);
    assert.equal((await enroll(secret, 'web-2')).status, 200);
    const third = await enroll(secret, 'web-3');
    assert.equal(third.status, 401);
    assert.match(JSON.stringify(await third.json()), /used up/);
  });

  it('refuses bad --uses and --expires, naming them', async () => {
    for (const [args, message] of [
      [['--uses', '0'], /--uses must be a whole number from 1 to 100000/],
      [['--uses', 'many'], /--uses must be a whole number/],
      [['--expires', '10s'], /--expires/],
      [['--expires', '400d'], /--expires must be between 1 minute and 366 days/],
    ] as const) {
      const result = await joinToken([...args]);
      assert.notEqual(result.code, 0, args.join(' '));
      assert.match(result.stderr, message);
      assert.equal(result.stdout, '', 'no secret printed');
    }
  });
});
