// The `latchkey` CLI end to end: the real executable against a real access server (HTTP on 127.0.0.1)
// and a real sshd that trusts the account's SSH CA, with a person who signs in through the device flow.
// Then `latchkey ssh`, and plain ssh, scp and rsync through the `ssh-config` entries.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { generateSshKeyPair } from '@latchkey/shared';
import { createTempDir, removeTestUser, runCommand } from '../../harness/index.js';
import type { RunningSshd, TempDir, TestUser } from '../../harness/index.js';
import type { TestServer } from '../../server/support/test-server.js';
import { LATCHKEY_BIN, loginWithDeviceFlow, makeCliHome, runLatchkey } from './latchkey-cli.js';
import type { CliHome } from './latchkey-cli.js';
import { startSshAccess } from './ssh-access-fixture.js';

const ALICE = { email: 'alice@example.com', password: 'correct horse battery staple' };
const BOB = { email: 'bob@example.com', password: 'another long password' };
const HOST = 'web-1';

describe('latchkey CLI end to end (access server, device flow, real sshd)', function () {
  this.timeout(60_000);
  let dir: TempDir;
  let server: TestServer;
  let sshd: RunningSshd;
  let user: TestUser;
  let cli: CliHome;

  before(async function () {
    this.timeout(120_000);
    dir = await createTempDir('cli-e2e');
    ({ server, sshd, user } = await startSshAccess(dir, {
      hostname: HOST,
      people: [ALICE, BOB],
      allowed: ALICE,
    }));
    cli = await makeCliHome(dir.path, server.url);
  });

  after(async () => {
    await sshd?.stop();
    if (user) await removeTestUser(user);
    await server?.close();
    await dir?.remove();
  });

  const credentialsFile = () => `${cli.configDir}/credentials.json`;
  const readCredentials = async () =>
    JSON.parse(await readFile(credentialsFile(), 'utf8')).servers[server.url];

  it('login: the device flow, approved by the person, stores the tokens 0600 in a 0700 dir', async () => {
    const result = await loginWithDeviceFlow(cli, ALICE);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.verificationUri, new RegExp(`^${server.url}/device\\?`));
    assert.match(result.stderr, new RegExp(`Signed in to ${server.url} as ${ALICE.email}\\.`));
    assert.equal((await stat(credentialsFile())).mode & 0o777, 0o600);
    assert.equal((await stat(cli.configDir)).mode & 0o777, 0o700);
    const stored = await readCredentials();
    assert.equal(stored.server, server.url);
    assert.ok(stored.access_token.length > 20 && stored.refresh_token.length > 20);
    assert.ok(Date.parse(stored.expires_at) > Date.now());
  });

  it('whoami: the signed-in person', async () => {
    const text = await runLatchkey(cli, ['whoami']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^alice@example\.com\n/);
    assert.match(text.stdout, /signed in via: builtin \(pwd\)/);
    const json = await runLatchkey(cli, ['whoami', '--json']);
    assert.equal(JSON.parse(json.stdout).email, ALICE.email);
  });

  it('targets: a table of what the person may reach, and JSON', async () => {
    const table = await runLatchkey(cli, ['targets']);
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^HOSTNAME\s+ADDRESS\s+PORT\s+NETWORK\s+USERNAMES$/);
    assert.equal(lines.length, 2);
    assert.deepEqual(lines[1]!.split(/\s{2,}/).slice(0, 3), [HOST, sshd.host, String(sshd.port)]);
    assert.ok(lines[1]!.endsWith(user.name));
    const json = JSON.parse((await runLatchkey(cli, ['targets', '--json'])).stdout);
    assert.equal(json.length, 1);
    assert.deepEqual(json[0].usernames, [user.name]);
  });

  it('ssh: logs in as the only allowed user (or the one named), pins the host key, leaves no key behind', async () => {
    const chosen = await runLatchkey(cli, ['ssh', HOST, '--', 'id', '-un']);
    assert.equal(chosen.code, 0, chosen.stderr);
    assert.equal(chosen.stdout, `${user.name}\n`);
    const named = await runLatchkey(cli, ['ssh', `${user.name}@${HOST.toUpperCase()}`, '--', 'id', '-un']);
    assert.equal(named.code, 0, named.stderr);
    assert.equal(named.stdout, `${user.name}\n`);
    // Pinned under the target's name (hashed or not, as the system's HashKnownHosts says).
    const pinned = await runCommand('ssh-keygen', ['-F', HOST, '-f', `${cli.configDir}/known_hosts`]);
    assert.equal(pinned.code, 0, `no key pinned for ${HOST}: ${pinned.stdout}${pinned.stderr}`);
    assert.match(pinned.stdout, / ssh-ed25519 /);
    const leftovers = (await readdir(cli.tmp)).filter((name) => name.startsWith('latchkey-'));
    assert.deepEqual(leftovers, [], 'the temp dir with the key and certificate is gone');
    await sshd.waitForLog(
      new RegExp(`Accepted publickey for ${user.name} .*ID alice@example\\.com session=`),
      5000,
    );
  });

  it("ssh: exits with the remote command's status", async () => {
    const result = await runLatchkey(cli, ['ssh', HOST, '--', 'exit', '7']);
    assert.equal(result.code, 7, result.stderr);
  });

  it("ssh: a username the policy does not allow fails with the server's reason", async () => {
    const result = await runLatchkey(cli, ['ssh', `root@${HOST}`, '--', 'true']);
    assert.equal(result.code, 4, result.stderr);
    assert.match(result.stderr, new RegExp(`^latchkey: you may not log in to ${HOST} as root$`, 'm'));
    const unknown = await runLatchkey(cli, ['ssh', 'db-9', '--', 'true']);
    assert.equal(unknown.code, 6, unknown.stderr);
    assert.match(unknown.stderr, /no target "db-9" among the 1 target\(s\) you may reach/);
  });

  it('ssh: on SIGTERM, ends ssh and removes the key and certificate', async () => {
    const mark = sshd.logMark();
    const child = spawn(process.execPath, [LATCHKEY_BIN, 'ssh', HOST, '--', 'sleep', '30'], {
      env: cli.env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      await sshd.waitForLog(new RegExp(`Accepted publickey for ${user.name} `), 20_000, mark);
      const during = (await readdir(cli.tmp)).filter((name) => name.startsWith('latchkey-ssh-'));
      assert.equal(during.length, 1, 'the key and certificate are in a temp dir while ssh runs');
      child.kill('SIGTERM');
      // ssh's own status, passed on: killed by the signal (143) while it still authenticates, or its
      // "Killed by signal 15." exit (255) once its client loop has its SIGTERM handler; which one depends
      // on how far ssh got when the signal came, not on latchkey.
      const code = await exited;
      assert.ok(code === 128 + 15 || code === 255, `ssh's status after SIGTERM: ${code}`);
      const after = (await readdir(cli.tmp)).filter((name) => name.startsWith('latchkey-'));
      assert.deepEqual(after, []);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('a person no policy allows: no targets, and ssh finds nothing to reach', async () => {
    const bob = await makeCliHome(dir.file('bob'), server.url);
    const login = await loginWithDeviceFlow(bob, BOB);
    assert.equal(login.code, 0, login.stderr);
    const targets = await runLatchkey(bob, ['targets']);
    assert.equal(targets.code, 0, targets.stderr);
    assert.match(targets.stdout, /^No targets/);
    const ssh = await runLatchkey(bob, ['ssh', HOST, '--', 'true']);
    assert.equal(ssh.code, 6, ssh.stderr);
    assert.match(ssh.stderr, /no target "web-1" among the 0 target\(s\) you may reach/);
  });

  it('refreshes an expired access token transparently and keeps the rotated refresh token', async () => {
    const before = await readCredentials();
    const file = JSON.parse(await readFile(credentialsFile(), 'utf8'));
    file.servers[server.url].expires_at = new Date(Date.now() - 1000).toISOString();
    await writeFile(credentialsFile(), JSON.stringify(file));
    const result = await runLatchkey(cli, ['whoami']);
    assert.equal(result.code, 0, result.stderr);
    const after = await readCredentials();
    assert.notEqual(after.refresh_token, before.refresh_token);
    assert.notEqual(after.access_token, before.access_token);
    assert.equal((await stat(credentialsFile())).mode & 0o777, 0o600);
  });

  describe('ssh-config: plain ssh, scp and rsync get a certificate on each connection', () => {
    const sshConfig = () => `${cli.home}/.ssh/config`;
    // ssh reads ~/.ssh/config from the passwd entry's home, not $HOME: point it at the person's file.
    const sshEnv = () => ({ ...cli.env });

    it('--write writes the entries and one Include at the top of ~/.ssh/config, idempotently', async () => {
      await runCommand('mkdir', ['-p', '-m', '0700', `${cli.home}/.ssh`]);
      await writeFile(sshConfig(), 'Host *\n  ServerAliveInterval 30\n', { mode: 0o644 });
      for (let i = 0; i < 2; i++) {
        const result = await runLatchkey(cli, ['ssh-config', '--write']);
        assert.equal(result.code, 0, result.stderr);
      }
      const config = await readFile(sshConfig(), 'utf8');
      assert.equal(config.match(/^Include /gm)?.length, 1);
      assert.ok(config.startsWith('# Added by `latchkey ssh-config --write`'));
      assert.ok(config.endsWith('Host *\n  ServerAliveInterval 30\n'));
      assert.equal((await stat(sshConfig())).mode & 0o777, 0o644);
      const generated = await readFile(`${cli.configDir}/ssh_config`, 'utf8');
      assert.match(generated, new RegExp(`^Host ${HOST}$`, 'm'));
      assert.match(generated, new RegExp(`^  User ${user.name}$`, 'm'));
    });

    it('plain ssh, with a certificate issued for that connection', async () => {
      const mark = sshd.logMark();
      const result = await runCommand('ssh', ['-F', sshConfig(), '-o', 'BatchMode=yes', HOST, 'id', '-un'], {
        env: sshEnv(),
        timeoutMs: 30_000,
      });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, `${user.name}\n`);
      await sshd.waitForLog(
        new RegExp(
          `Accepted publickey for ${user.name} .*ED25519-CERT SHA256:\\S+ ID alice@example\\.com session=`,
        ),
        5000,
        mark,
      );
    });

    it('scp, both ways', async () => {
      const local = dir.file('upload.txt');
      await writeFile(local, 'hello through scp\n');
      const up = await runCommand(
        'scp',
        ['-F', sshConfig(), '-o', 'BatchMode=yes', local, `${HOST}:uploaded.txt`],
        {
          env: sshEnv(),
          timeoutMs: 30_000,
        },
      );
      assert.equal(up.code, 0, up.stderr);
      assert.equal(await readFile(`${user.home}/uploaded.txt`, 'utf8'), 'hello through scp\n');
      const back = dir.file('downloaded.txt');
      const down = await runCommand(
        'scp',
        ['-F', sshConfig(), '-o', 'BatchMode=yes', `${HOST}:uploaded.txt`, back],
        {
          env: sshEnv(),
          timeoutMs: 30_000,
        },
      );
      assert.equal(down.code, 0, down.stderr);
      assert.equal(await readFile(back, 'utf8'), 'hello through scp\n');
    });

    it('rsync', async () => {
      const source = dir.file('tree');
      await runCommand('mkdir', ['-p', `${source}/sub`]);
      await writeFile(`${source}/sub/a.txt`, 'a\n');
      await writeFile(`${source}/b.txt`, 'b\n');
      const result = await runCommand(
        'rsync',
        ['-a', '-e', `ssh -F ${sshConfig()} -o BatchMode=yes`, `${source}/`, `${HOST}:tree/`],
        { env: sshEnv(), timeoutMs: 30_000 },
      );
      assert.equal(result.code, 0, result.stderr);
      assert.equal(await readFile(`${user.home}/tree/sub/a.txt`, 'utf8'), 'a\n');
      assert.equal(await readFile(`${user.home}/tree/b.txt`, 'utf8'), 'b\n');
    });

    it('concurrent connections to one host all succeed', async () => {
      const results = await Promise.all(
        Array.from({ length: 4 }, () =>
          runCommand('ssh', ['-F', sshConfig(), '-o', 'BatchMode=yes', HOST, 'true'], {
            env: sshEnv(),
            timeoutMs: 45_000,
          }),
        ),
      );
      for (const result of results) assert.equal(result.code, 0, result.stderr);
    });
  });

  it('a changed host key: ssh refuses, latchkey names the target and the fix, and the fix works', async () => {
    const knownHostsFile = `${cli.configDir}/known_hosts`;
    // As if the target had been replaced: the pinned key is not the one sshd shows.
    const impostor = generateSshKeyPair('ed25519').publicKey.toAuthorizedKey();
    await writeFile(knownHostsFile, `${HOST} ${impostor}\n`);
    const refused = await runLatchkey(cli, ['ssh', HOST, '--', 'true']);
    assert.equal(refused.code, 255, refused.stderr);
    assert.match(refused.stderr, /REMOTE HOST IDENTIFICATION HAS CHANGED/);
    assert.match(refused.stderr, new RegExp(`The host key of ${HOST} is not the one Latchkey pinned`));
    assert.match(refused.stderr, new RegExp(`\`latchkey known-hosts forget ${HOST}\``));

    const forgot = await runLatchkey(cli, ['known-hosts', 'forget', HOST]);
    assert.equal(forgot.code, 0, forgot.stderr);
    assert.match(forgot.stderr, /Forgot 1 host key/);
    const again = await runLatchkey(cli, ['ssh', HOST, '--', 'id', '-un']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, `${user.name}\n`);
  });

  // Last: after these, the person is signed out.
  describe('signing out', () => {
    it('logout: ends the session on the server and locally; then ssh says "not signed in"', async () => {
      const { refresh_token: refreshToken } = await readCredentials();
      const result = await runLatchkey(cli, ['logout']);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, new RegExp(`Signed out of ${server.url}\\.`));
      await assert.rejects(stat(credentialsFile()), { code: 'ENOENT' });
      const refresh = await fetch(`${server.url}/oauth/token`, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
      });
      assert.equal(refresh.status, 400);
      assert.equal(((await refresh.json()) as { error: string }).error, 'invalid_grant');

      const ssh = await runLatchkey(cli, ['ssh', HOST, '--', 'true']);
      assert.equal(ssh.code, 3, ssh.stderr);
      assert.match(
        ssh.stderr,
        new RegExp(
          `^latchkey: not signed in to ${server.url}: run \`latchkey login --server ${server.url}\`$`,
          'm',
        ),
      );

      // Plain ssh through the ssh-config entries: the helper's reason reaches the person.
      const plain = await runCommand(
        'ssh',
        ['-F', `${cli.home}/.ssh/config`, '-o', 'BatchMode=yes', HOST, 'true'],
        {
          env: cli.env,
          timeoutMs: 30_000,
        },
      );
      assert.equal(plain.code, 255);
      assert.match(plain.stderr, new RegExp(`latchkey: not signed in to ${server.url}`));
    });

    it('logout with the server unreachable still forgets the credentials, and says so', async () => {
      const gone = 'http://127.0.0.1:9'; // discard port: nothing listens
      const other = await makeCliHome(dir.file('other'), gone);
      await runCommand('mkdir', ['-p', '-m', '0700', other.configDir]);
      await writeFile(
        `${other.configDir}/credentials.json`,
        JSON.stringify({
          servers: {
            [gone]: {
              server: gone,
              access_token: 'a',
              refresh_token: 'r',
              expires_at: new Date().toISOString(),
            },
          },
        }),
        { mode: 0o600 },
      );
      const result = await runLatchkey(other, ['logout']);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /Could not reach http:\/\/127\.0\.0\.1:9 to end the sign-in there/);
      await assert.rejects(stat(`${other.configDir}/credentials.json`), { code: 'ENOENT' });
    });
  });
});
