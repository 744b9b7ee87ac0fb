// The CLI as `npm run build` ships it (scripts/build.mjs: a CommonJS bundle run through V8's code cache;
// sshpk, https, zlib and fflate loaded only on first use) against a real access server and a real sshd:
// `latchkey ssh` through its in-process agent, with and without a recent target list, the code cache
// written once (0600 in a 0700 dir) and then used, and the ssh-config helper, which reads and writes
// OpenSSH key files (sshpk).
import assert from 'node:assert/strict';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createTempDir, removeTestUser, runCommand } from '../../harness/index.js';
import type { RunningSshd, TempDir, TestUser } from '../../harness/index.js';
import type { TestServer } from '../../server/support/test-server.js';
import { loginWithDeviceFlow, makeCliHome } from './latchkey-cli.js';
import type { CliHome } from './latchkey-cli.js';
import { startSshAccess } from './ssh-access-fixture.js';

const ALICE = { email: 'alice@example.com', password: 'correct horse battery staple' };
const HOST = 'web-1';

describe('the built latchkey bundle end to end (code cache, agent, ssh-config helper)', function () {
  this.timeout(90_000);
  let dir: TempDir;
  let server: TestServer;
  let sshd: RunningSshd;
  let user: TestUser;
  let cli: CliHome;
  let entry: string;
  let personsAgentPid: number | undefined;

  before(async function () {
    this.timeout(180_000);
    dir = await createTempDir('cli-bundle-e2e');
    const built = await runCommand(
      process.execPath,
      [new URL('../../../scripts/build.mjs', import.meta.url).pathname, '--cli-out', dir.file('dist')],
      { cwd: new URL('../../..', import.meta.url).pathname, timeoutMs: 120_000 },
    );
    assert.equal(built.code, 0, built.stderr);
    entry = dir.file('dist/main.js');
    ({ server, sshd, user } = await startSshAccess(dir, {
      hostname: HOST,
      people: [ALICE],
      allowed: ALICE,
      sshRules: { allow_agent_forwarding: true },
    }));
    cli = await makeCliHome(dir.path, server.url);
    const login = await loginWithDeviceFlow(cli, ALICE);
    assert.equal(login.code, 0, login.stderr);
  });

  after(async () => {
    if (personsAgentPid !== undefined) process.kill(personsAgentPid, 'SIGTERM');
    await sshd?.stop();
    if (user) await removeTestUser(user);
    await server?.close();
    await dir?.remove();
  });

  const bundled = (args: string[]) =>
    runCommand(process.execPath, [entry, ...args], {
      env: { ...cli.env, LATCHKEY_FROM_SOURCE: undefined },
      timeoutMs: 30_000,
    });
  const cacheDir = () => `${cli.home}/.cache/latchkey/code-cache`;

  it('ssh: the first run lists the targets and writes the code cache; later runs start ssh from the list and use the cache', async () => {
    const first = await bundled(['ssh', HOST, '--', 'id', '-un']);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, `${user.name}\n`);
    assert.equal((await stat(cacheDir())).mode & 0o777, 0o700);
    const [cacheFile, ...others] = await readdir(cacheDir());
    assert.equal(others.length, 0);
    assert.match(cacheFile!, /^latchkey-[0-9a-f]{32}-v\d+\.\d+\.\d+-\w+\.v8cache$/);
    const before = await stat(`${cacheDir()}/${cacheFile}`);
    assert.equal(before.mode & 0o777, 0o600);
    const targetList = `${cli.configDir}/targets-cache.json`;
    assert.equal((await stat(targetList)).mode & 0o777, 0o600);
    assert.equal(
      JSON.parse(await readFile(targetList, 'utf8')).servers[server.url].targets[0].hostname,
      HOST,
    );

    const mark = sshd.logMark();
    const second = await bundled(['ssh', HOST, '--', 'exit', '7']);
    assert.equal(second.code, 7, second.stderr);
    await sshd.waitForLog(
      new RegExp(`Accepted publickey for ${user.name} .*ID alice@example\\.com session=`),
      5000,
      mark,
    );
    const after = await stat(`${cacheDir()}/${cacheFile}`);
    assert.equal(after.mtimeMs, before.mtimeMs, 'the cache was accepted, not written again');
    const leftovers = (await readdir(cli.tmp)).filter((name) => name.startsWith('latchkey-'));
    assert.deepEqual(leftovers, [], 'the agent socket dir is gone');
  });

  it('ssh: a wrong address in the target list ends the early ssh and connects where the certificate says', async () => {
    const targetList = `${cli.configDir}/targets-cache.json`;
    const file = JSON.parse(await readFile(targetList, 'utf8'));
    file.servers[server.url].targets[0].ip.ipv4.ip_addr = '127.0.0.2';
    file.servers[server.url].targets[0].port = 9;
    await writeFile(targetList, JSON.stringify(file), { mode: 0o600 });
    const result = await bundled(['ssh', HOST, '--', 'id', '-un']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `${user.name}\n`);
    assert.doesNotMatch(result.stderr, /127\.0\.0\.2|port 9/, "the abandoned ssh's complaints are not shown");
  });

  it('ssh: a username policy does not allow fails with the server’s reason and exit code 4', async () => {
    const result = await bundled(['ssh', `root@${HOST}`, '--', 'true']);
    assert.equal(result.code, 4, result.stderr);
    assert.match(result.stderr, new RegExp(`^latchkey: you may not log in to ${HOST} as root$`, 'm'));
  });

  it("ssh -A forwards the person's own agent, not latchkey's", async () => {
    const socket = dir.file('persons-agent.sock');
    const started = await runCommand('ssh-agent', ['-a', socket, '-s']);
    assert.equal(started.code, 0, started.stderr);
    personsAgentPid = Number(/SSH_AGENT_PID=(\d+)/.exec(started.stdout)?.[1]);
    await runCommand('ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      '',
      '-C',
      'persons-key',
      '-f',
      dir.file('persons_key'),
    ]);
    const added = await runCommand('ssh-add', [dir.file('persons_key')], {
      env: { ...cli.env, SSH_AUTH_SOCK: socket },
    });
    assert.equal(added.code, 0, added.stderr);
    const result = await runCommand(process.execPath, [entry, 'ssh', '-A', HOST, '--', 'ssh-add', '-L'], {
      env: { ...cli.env, LATCHKEY_FROM_SOURCE: undefined, SSH_AUTH_SOCK: socket },
      timeoutMs: 30_000,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^ssh-ed25519 \S+ persons-key$/m);
    assert.doesNotMatch(result.stdout, /cert-v01/);
  });

  it('ssh-config: plain ssh through the bundled helper (OpenSSH key files, read and written with sshpk)', async () => {
    await runCommand('mkdir', ['-p', '-m', '0700', `${cli.home}/.ssh`]);
    const written = await bundled(['ssh-config', '--write']);
    assert.equal(written.code, 0, written.stderr);
    for (let i = 0; i < 2; i++) {
      // The second connection reads the key pair the first one wrote.
      const result = await runCommand(
        'ssh',
        ['-F', `${cli.home}/.ssh/config`, '-o', 'BatchMode=yes', HOST, 'id', '-un'],
        { env: { ...cli.env, LATCHKEY_FROM_SOURCE: undefined }, timeoutMs: 30_000 },
      );
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, `${user.name}\n`);
    }
  });
});
