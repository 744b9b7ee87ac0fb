// "Open in Remote-SSH" with the real latchkey CLI against a real access server: the extension's CLI
// adapter runs `latchkey ssh-config --write` for the extension's server, and then (only then) asks
// Remote-SSH to open the target. Remote-SSH itself cannot be installed offline (it comes from
// Microsoft's marketplace), so a recording stand-in takes its place and the test says so; the ssh config
// it would use is checked with the real `ssh -G`.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { latchkeyCliProcess } from '../../../extension/src/adapters/cli/latchkey-cli-process.js';
import { openInRemoteSsh } from '../../../extension/src/app/open-in-remote-ssh.js';
import type { RemoteSshWindow } from '../../../extension/src/app/open-in-remote-ssh.js';
import { createTempDir, runCommand } from '../../harness/index.js';
import type { TempDir } from '../../harness/index.js';
import { LATCHKEY_BIN, loginWithDeviceFlow, makeCliHome } from '../cli/latchkey-cli.js';
import { startTestServer } from '../../server/support/test-server.js';
import type { TestServer } from '../../server/support/test-server.js';

describe('e2e/extension: open in Remote-SSH through the real latchkey CLI', function () {
  this.timeout(120_000);
  let server: TestServer;
  let dir: TempDir;
  const person = { email: 'ada@example.com', password: 'ada password 1' };

  /** Stands in for Microsoft's Remote-SSH, which cannot be installed here: records what it is asked to open. */
  const remoteSsh = (opened: string[]): RemoteSshWindow => ({
    installed: () => true,
    open: async (host) => void opened.push(host),
  });

  before(async () => {
    server = await startTestServer({ listen: true });
    dir = await createTempDir('remote-ssh');
    await server.addUser(person.email, person.password);
    const base = server.base;
    await server.call('POST', `${base}/access/gateway_ca`);
    await server.call('POST', `${base}/infrastructure/targets`, {
      body: { hostname: 'web-1', ip: { ipv4: { ip_addr: '127.0.0.1' } } },
    });
    const app = await server.call('POST', `${base}/access/apps`, {
      body: {
        name: 'web',
        type: 'infrastructure',
        target_criteria: [{ target_attributes: { hostname: ['web-1'] }, port: 2222, protocol: 'SSH' }],
        policies: [
          {
            name: 'ada',
            decision: 'allow',
            include: [{ email: { email: person.email } }],
            connection_rules: { ssh: { usernames: ['deploy'] } },
          },
        ],
      },
    });
    assert.equal(app.status, 200, JSON.stringify(app.body));
  });
  after(async () => {
    await server?.close();
    await dir?.remove();
  });

  it('writes the ssh config that Remote-SSH uses, then opens the target', async () => {
    const cli = await makeCliHome(dir.file('signed-in'), server.url);
    const login = await loginWithDeviceFlow(cli, person);
    assert.equal(login.code, 0, login.stderr);
    const opened: string[] = [];
    await openInRemoteSsh(
      {
        cli: latchkeyCliProcess(LATCHKEY_BIN, cli.env),
        cliPath: LATCHKEY_BIN,
        serverUrl: server.url,
        remoteSsh: remoteSsh(opened),
      },
      'web-1',
    );
    assert.deepEqual(opened, ['web-1']);
    assert.match(await readFile(`${cli.home}/.ssh/config`, 'utf8'), /^Include .*latchkey\/ssh_config$/m);
    // What Remote-SSH's ssh would connect to, as OpenSSH itself reads the config (-F: ssh takes ~ from
    // the passwd entry, not $HOME, and the test's home is a temp dir).
    const resolved = await runCommand('ssh', ['-G', '-F', `${cli.home}/.ssh/config`, 'web-1'], {
      env: cli.env,
    });
    assert.equal(resolved.code, 0, resolved.stderr);
    assert.match(resolved.stdout, /^hostname 127\.0\.0\.1$/m);
    assert.match(resolved.stdout, /^port 2222$/m);
    assert.match(resolved.stdout, /^user deploy$/m);
  });

  it('says how to sign the CLI in when it is not, and opens nothing', async () => {
    const cli = await makeCliHome(dir.file('signed-out'), server.url);
    const opened: string[] = [];
    await assert.rejects(
      openInRemoteSsh(
        {
          cli: latchkeyCliProcess(LATCHKEY_BIN, cli.env),
          cliPath: LATCHKEY_BIN,
          serverUrl: server.url,
          remoteSsh: remoteSsh(opened),
        },
        'web-1',
      ),
      new RegExp(
        `the latchkey CLI is not signed in to ${server.url.replace(/[.]/g, '\\.')}: run "latchkey login --server`,
      ),
    );
    assert.deepEqual(opened, []);
  });

  it('says so when the CLI cannot run at all', async () => {
    await assert.rejects(
      openInRemoteSsh(
        {
          cli: latchkeyCliProcess('/nonexistent/latchkey'),
          cliPath: '/nonexistent/latchkey',
          serverUrl: server.url,
          remoteSsh: remoteSsh([]),
        },
        'web-1',
      ),
      /cannot run the latchkey CLI \(\/nonexistent\/latchkey\): .*ENOENT.*set "latchkey\.cliPath"/,
    );
  });
});
