// Self-tests of the real-sshd test harness (test/harness/): it must start what it says, on the address it
// says, and really stop it; otherwise every end-to-end suite built on it proves nothing.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import net from 'node:net';
import {
  canConnect,
  createTempDir,
  createTestUser,
  generateKeyWithSshKeygen,
  isAlive,
  isPortFree,
  pendingCleanups,
  probePublicKey,
  removeTestUser,
  runCleanups,
  runCommand,
  runSsh,
  startSshd,
  writeAuthorizedKeys,
} from '../../harness/index.js';
import type { RunningSshd, TempDir, TestUser } from '../../harness/index.js';

async function userExists(name: string): Promise<boolean> {
  return (await runCommand('getent', ['passwd', name])).code === 0;
}

describe('test harness: sshd', () => {
  it('starts on the chosen loopback address, answers there only, and stop() really ends it', async () => {
    const sshd = await startSshd({ host: '127.0.0.3' });
    const { pid, port, dir } = sshd;
    assert.ok(isAlive(pid), 'sshd runs');
    assert.match(sshd.logs(), new RegExp(`Server listening on 127\\.0\\.0\\.3 port ${port}\\.`));
    assert.ok(await canConnect('127.0.0.3', port), 'answers on 127.0.0.3');
    assert.ok(!(await canConnect('127.0.0.1', port)), 'does not answer on 127.0.0.1');
    assert.equal(
      (await readFile(`${dir}/sshd.pid`, 'utf8')).trim(),
      String(pid),
      'PidFile names the process',
    );
    const banner = await runCommand('ssh-keyscan', [
      '-T',
      '5',
      '-p',
      String(port),
      '-t',
      'ed25519',
      '127.0.0.3',
    ]);
    assert.ok(banner.stdout.includes(sshd.hostKey), 'serves the host key it reports');
    assert.equal(sshd.knownHostsLine(), `[127.0.0.3]:${port} ${sshd.hostKey}`);

    await sshd.stop();
    assert.ok(!isAlive(pid), 'the pid is gone');
    assert.ok(await isPortFree('127.0.0.3', port), 'the port is free');
    assert.ok(!existsSync(dir), 'the temp dir is removed');
    assert.ok(sshd.exited);
  });

  it('fails with sshd -t\u2019s own message when the config is bad', async () => {
    await assert.rejects(
      startSshd({ settings: { NoSuchKeyword: 'yes' } }),
      /sshd -t rejects the config .*NoSuchKeyword|Bad configuration option: NoSuchKeyword/,
    );
    await assert.rejects(
      startSshd({ settings: { TrustedUserCAKeys: '/nonexistent/ca.pub', PermitRootLogin: 'perhaps' } }),
      /unsupported option "perhaps"/,
    );
  });

  it('fails with sshd\u2019s bind error when a port the caller chose is taken', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const { port } = blocker.address() as net.AddressInfo;
    try {
      await assert.rejects(
        startSshd({ port, readyTimeoutMs: 3000 }),
        /sshd did not become ready on 127\.0\.0\.1:\d+[\s\S]*Address already in use/,
      );
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
    assert.deepEqual(
      pendingCleanups().filter((label) => label.startsWith('sshd on')),
      [],
      'a failed start leaves nothing registered',
    );
  });

  it('uses a given host key', async () => {
    const keys = await createTempDir('harness-test');
    const hostKey = await generateKeyWithSshKeygen(keys.file('host'), 'ecdsa-p256');
    const sshd = await startSshd({ hostPrivateKey: await readFile(hostKey.privateKeyPath, 'utf8') });
    try {
      assert.equal(sshd.hostKey, hostKey.publicKey.split(' ').slice(0, 2).join(' '));
    } finally {
      await sshd.stop();
      await keys.remove();
    }
  });

  it('waitForLog waits for lines that come later, and times out with the log tail', async () => {
    const sshd = await startSshd();
    try {
      const mark = sshd.logMark();
      const arrival = sshd.waitForLog(/Connection from 127\.0\.0\.1 port \d+/, 5000, mark);
      await canConnect(sshd.host, sshd.port);
      const match = await arrival;
      assert.match(match[0], /Connection from/);
      await assert.rejects(
        sshd.waitForLog(/never logged/, 200, mark),
        /did not log \/never logged\/ within 200 ms/,
      );
    } finally {
      await sshd.stop();
    }
  });

  it('reload() (SIGHUP) re-reads the config with the same pid; restart() brings it back on the same port', async () => {
    const sshd = await startSshd();
    try {
      const { pid, port } = sshd;
      await sshd.reload();
      assert.equal(sshd.pid, pid);
      assert.ok(await canConnect(sshd.host, port));
      await sshd.restart();
      assert.notEqual(sshd.pid, pid);
      assert.ok(!isAlive(pid));
      assert.equal(sshd.port, port);
      assert.ok(await canConnect(sshd.host, port));
    } finally {
      await sshd.stop();
    }
  });

  it('registers what it starts, so the cleanup registry can stop it when a test forgets', async () => {
    const sshd = await startSshd();
    assert.ok(pendingCleanups().some((label) => label === `sshd on ${sshd.host}:${sshd.port}`));
    await runCleanups((owner) => owner !== undefined); // what the root afterEach hook does for this test
    assert.ok(!isAlive(sshd.pid));
    assert.ok(!existsSync(sshd.dir));
  });
});

describe('test harness: UNIX users and the ssh client', () => {
  let sshd: RunningSshd;
  let keys: TempDir;
  let user: TestUser;

  before(async () => {
    sshd = await startSshd();
    keys = await createTempDir('harness-test');
    user = await createTestUser();
  });

  after(async () => {
    await removeTestUser(user);
    await keys.remove();
    await sshd.stop();
  });

  it('creates a unique, unlocked user with a home and bash', async () => {
    assert.match(user.name, /^lk-[0-9a-f]{8}$/);
    assert.ok(user.uid > 0);
    assert.equal((await stat(user.home)).uid, user.uid);
    const passwd = (await runCommand('getent', ['passwd', user.name])).stdout.trim().split(':');
    assert.equal(passwd[6], '/bin/bash');
    const shadow = (await runCommand('getent', ['shadow', user.name])).stdout.split(':');
    assert.equal(shadow[1], '*', 'unlocked (not "!"), without a password');
  });

  it('logs a user in with an authorized key through the real ssh client', async () => {
    const key = await generateKeyWithSshKeygen(keys.file('user'));
    await writeAuthorizedKeys(user, [key.publicKey]);
    const mark = sshd.logMark();
    const result = await runSsh({
      server: sshd,
      user: user.name,
      identityFile: key.privateKeyPath,
      command: 'id -un; echo "$SHELL"',
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `${user.name}\n/bin/bash\n`);
    await sshd.waitForLog(new RegExp(`Accepted publickey for ${user.name} from 127\\.0\\.0\\.1`), 5000, mark);
  });

  it('refuses a server whose host key is not the one it was told', async () => {
    const key = await generateKeyWithSshKeygen(keys.file('user2'));
    const other = await generateKeyWithSshKeygen(keys.file('other-host'));
    const result = await runSsh({
      server: {
        host: sshd.host,
        port: sshd.port,
        knownHostsLine: () => `[${sshd.host}]:${sshd.port} ${other.publicKey}`,
      },
      user: user.name,
      identityFile: key.privateKeyPath,
      command: 'true',
    });
    assert.equal(result.code, 255);
    assert.match(result.stderr, /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
  });

  it('the public key probe gets sshd\u2019s verdict on an offered key without signing anything', async () => {
    const authorized = await generateKeyWithSshKeygen(keys.file('probe-authorized'));
    const unknown = await generateKeyWithSshKeygen(keys.file('probe-unknown'));
    await writeAuthorizedKeys(user, [authorized.publicKey]);
    const probe = (publicKey: string) =>
      probePublicKey({ host: sshd.host, port: sshd.port, hostKey: sshd.hostKey, user: user.name, publicKey });
    assert.equal(await probe(authorized.publicKey), 'accepted');
    const mark = sshd.logMark();
    assert.equal(await probe(unknown.publicKey), 'rejected');
    await sshd.waitForLog(new RegExp(`Failed publickey for ${user.name} from 127\\.0\\.0\\.1`), 5000, mark);
    await assert.rejects(
      probePublicKey({
        host: sshd.host,
        port: sshd.port,
        hostKey: unknown.publicKey,
        user: user.name,
        publicKey: authorized.publicKey,
      }),
      /unexpected host key/,
    );
  });

  it('removes a user, killing its processes first', async () => {
    const doomed = await createTestUser();
    const sleeper = await runCommand('su', [
      '-s',
      '/bin/sh',
      '-c',
      'nohup sleep 300 >/dev/null 2>&1 & echo $!',
      doomed.name,
    ]);
    const sleeperPid = Number(sleeper.stdout.trim());
    assert.ok(isAlive(sleeperPid), sleeper.stderr);
    await removeTestUser(doomed);
    assert.ok(!(await userExists(doomed.name)));
    assert.ok(!existsSync(doomed.home));
    assert.ok(!isAlive(sleeperPid));
  });
});

// The mocha root hooks (test/support/harness-cleanup.ts) scope cleanup: these blocks run in order and
// each checks what the previous one left behind on purpose.
describe('test harness: cleanup scoped by the mocha root hooks', () => {
  let forgottenInTest = 0;
  let forgottenInBlock = 0;
  let restartedInBlock = 0;

  describe('a block whose before hook starts sshd and never stops it', () => {
    before(async () => {
      forgottenInBlock = (await startSshd()).pid;
    });

    it('keeps it running for all of its tests (1)', () => assert.ok(isAlive(forgottenInBlock)));
    it('keeps it running for all of its tests (2)', () => assert.ok(isAlive(forgottenInBlock)));
  });

  describe('a block whose before hook starts sshd and a test starts it again', () => {
    let sshd: RunningSshd;
    before(async () => {
      sshd = await startSshd();
    });

    it('halts and resumes it in a test', async () => {
      await sshd.halt();
      assert.ok(sshd.exited);
      await sshd.resume();
      restartedInBlock = sshd.pid;
    });
    it('still finds it running in the next test: it belongs to the block, not to that test', () => {
      assert.ok(isAlive(restartedInBlock));
      assert.ok(existsSync(sshd.configPath));
    });
  });

  describe('the next block', () => {
    it('finds the previous blocks\u2019 sshds stopped', () => {
      assert.ok(!isAlive(forgottenInBlock));
      assert.ok(restartedInBlock > 0);
      assert.ok(!isAlive(restartedInBlock));
    });

    it('starts an sshd in a test and forgets it', async () => {
      forgottenInTest = (await startSshd()).pid;
    });

    it('finds the previous test\u2019s sshd stopped', () => {
      assert.ok(forgottenInTest > 0);
      assert.ok(!isAlive(forgottenInTest));
    });
  });
});
