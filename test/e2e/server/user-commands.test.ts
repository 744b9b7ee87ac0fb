// `latchkey-server user …` against a running server on the same SQLite database: add (password from
// stdin), list, disable (tokens stop at once, and stay dead after enable), enable, reset; and clear
// errors for bad input.
import assert from 'node:assert/strict';
import { createTempDir } from '../../harness/index.js';
import type { TempDir } from '../../harness/index.js';
import { getJson, signInBuiltIn } from '../../server/sign-in/sign-in-client.js';
import { runServerCommand, startServerProcess } from './server-process.js';
import type { ServerProcess } from './server-process.js';

describe('e2e: latchkey-server user commands', function () {
  this.timeout(120_000);
  let dir: TempDir;
  let server: ServerProcess;
  const user = (args: string[], input?: string) =>
    runServerCommand(['user', ...args, '--data-dir', dir.path], 30_000, input);

  before(async () => {
    dir = await createTempDir('user-commands');
    server = await startServerProcess(['--data-dir', dir.path, '--listen', '127.0.0.1:0']);
  });
  after(async () => {
    await server?.stop();
    await dir?.remove();
  });

  it('adds a user whose password works for the device flow; lists; disables at once; enables; resets', async () => {
    const added = await user(
      ['add', 'Ada@Example.com', '--group', 'ops', '--group', 'dev'],
      'a long password\n',
    );
    assert.equal(added.code, 0, added.stderr);
    assert.equal(added.stdout.trim(), 'added ada@example.com (groups: dev, ops)');

    const listed = await user(['list']);
    assert.equal(listed.stdout.trim(), 'ada@example.com\tdev,ops\tenabled');

    const tokens = await signInBuiltIn(server.url, 'ada@example.com', 'a long password');
    assert.equal((await getJson(server.url, '/v1/me', tokens.access_token)).status, 200);

    const disabled = await user(['disable', 'ada@example.com']);
    assert.equal(disabled.code, 0, disabled.stderr);
    assert.match(disabled.stdout, /disabled ada@example\.com: its sign-ins stop working now/);
    const refused = await getJson(server.url, '/v1/me', tokens.access_token);
    assert.equal(refused.status, 401);
    assert.match(refused.body.errors[0].message, /disabled/);
    assert.match((await user(['list'])).stdout, /ada@example\.com\tdev,ops\tdisabled /);

    assert.equal((await user(['enable', 'ada@example.com'])).code, 0);
    // Disabling ended the sign-in (issue 13): enabling the account does not bring it back.
    assert.equal((await getJson(server.url, '/v1/me', tokens.access_token)).status, 401);
    await signInBuiltIn(server.url, 'ada@example.com', 'a long password');

    const reset = await user(['reset', 'ada@example.com'], 'another long password\n');
    assert.equal(reset.code, 0, reset.stderr);
    await assert.rejects(
      signInBuiltIn(server.url, 'ada@example.com', 'a long password'),
      /wrong email or password/,
    );
    await signInBuiltIn(server.url, 'ada@example.com', 'another long password');
  });

  it('says what is wrong: a bad email, a short password, a duplicate, an unknown user', async () => {
    const cases: [string[], string | undefined, RegExp][] = [
      [['add', 'not-an-email'], 'a long password\n', /"not-an-email" is not an email address/],
      [['add', 'bob@example.com'], 'short\n', /at least 8 characters/],
      [['add', 'bob@example.com'], '', /no password for bob@example\.com on standard input/],
      [['add', 'bob@example.com', '--group', 'has space'], 'a long password\n', /is not a group name/],
      [['disable', 'nobody@example.com'], undefined, /no built-in user nobody@example\.com/],
    ];
    for (const [args, input, message] of cases) {
      const result = await user(args, input);
      assert.notEqual(result.code, 0, args.join(' '));
      assert.match(result.stderr, message);
    }
    assert.equal((await user(['add', 'bob@example.com'], 'a long password\n')).code, 0);
    const duplicate = await user(['add', 'BOB@example.com'], 'a long password\n');
    assert.notEqual(duplicate.code, 0);
    assert.match(duplicate.stderr, /a user with the email bob@example\.com already exists/);
  });
});
