// The real adapters the sshd use-cases run on: atomic writes with mode and owner on a real filesystem,
// commands without a shell, and the SSH banner probe against a real sshd and against things that are not.
import assert from 'node:assert/strict';
import { lstat, readFile, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { NodeFileSystem } from '../../../agent/src/adapters/fs/node-file-system.js';
import { TcpSshdProber } from '../../../agent/src/adapters/net/tcp-sshd-prober.js';
import { ChildProcessRunner } from '../../../agent/src/adapters/process/child-process-runner.js';
import {
  createTempDir,
  createTestUser,
  findFreePort,
  removeTestUser,
  startSshd,
} from '../../harness/index.js';
import type { RunningSshd, TempDir } from '../../harness/index.js';

describe('agent: node adapters', () => {
  let dir: TempDir;
  const files = new NodeFileSystem();
  before(async () => {
    dir = await createTempDir('agent-adapters');
  });
  after(async () => {
    await dir?.remove();
  });

  it('writes atomically with the given mode and owner, leaving no temp file', async () => {
    const user = await createTestUser();
    try {
      const path = dir.file('ca.pub');
      await writeFile(path, 'old\n', { mode: 0o644 });
      await files.writeAtomic(path, new Uint8Array([0xff, 0x0a]), {
        mode: 0o600,
        owner: { uid: user.uid, gid: user.gid },
      });
      const info = await stat(path);
      assert.deepEqual([info.mode & 0o7777, info.uid, info.gid], [0o600, user.uid, user.gid]);
      assert.deepEqual([...(await readFile(path))], [0xff, 0x0a]);
      assert.deepEqual(await readdir(dir.path), ['ca.pub']);
    } finally {
      await removeTestUser(user);
    }
  });

  it('never writes through a temp path that an attacker pre-created as a link', async () => {
    const victim = dir.file('victim');
    await writeFile(victim, 'untouched');
    await symlink(victim, dir.file('.target.latchkey-tmp'));
    await files.writeAtomic(dir.file('target'), 'new', { mode: 0o644 });
    assert.equal(await readFile(victim, 'utf8'), 'untouched');
    assert.equal(await readFile(dir.file('target'), 'utf8'), 'new');
  });

  it('writes through a symbolic link, which stays a link', async () => {
    await files.makeDirectory(dir.file('real'), 0o755);
    await writeFile(dir.file('real/sshd_config'), 'old');
    await symlink(dir.file('real/sshd_config'), dir.file('linked_config'));
    await files.writeAtomic(dir.file('linked_config'), 'new', {
      mode: 0o600,
      tempPath: dir.file('.linked_config.tmp'),
    });
    assert.equal((await lstat(dir.file('linked_config'))).isSymbolicLink(), true);
    assert.equal(await readFile(dir.file('real/sshd_config'), 'utf8'), 'new');
    assert.deepEqual(await readdir(dir.file('real')), ['sshd_config']);
  });

  it('fails without touching the target when the temp file cannot be renamed over it', async () => {
    const target = dir.file('is-a-dir');
    await files.makeDirectory(`${target}/child`, 0o755);
    await assert.rejects(files.writeAtomic(target, 'x', { mode: 0o644 }));
    assert.equal((await files.status(target))?.isDirectory, true);
    assert.deepEqual(
      (await readdir(dir.path)).filter((name) => name.includes('latchkey-tmp')),
      [],
      'the temp file is removed',
    );
  });

  it('reads missing files as undefined and lists sorted names', async () => {
    assert.equal(await files.read(dir.file('nothing')), undefined);
    assert.equal(await files.status(dir.file('nothing')), undefined);
    assert.deepEqual(await files.list(dir.file('nothing')), []);
    assert.deepEqual(await files.makeDirectory(dir.file('made'), 0o700), true);
    assert.deepEqual(await files.makeDirectory(dir.file('made'), 0o700), false);
  });

  it('runs argv without a shell and reports exit codes and spawn failures', async () => {
    const runner = new ChildProcessRunner();
    const echoed = await runner.run(['echo', '$HOME; rm -rf /']);
    assert.deepEqual([echoed.code, echoed.stdout], [0, '$HOME; rm -rf /\n']);
    assert.equal((await runner.run(['false'])).code, 1);
    const missing = await runner.run(['/no/such/program']);
    assert.equal(missing.code, null);
    assert.match(missing.stderr, /ENOENT/);
    const slow = await runner.run(['sleep', '10'], { timeoutMs: 100 });
    assert.deepEqual([slow.code, slow.signal], [null, 'SIGKILL']);
  });

  describe('TcpSshdProber', () => {
    let sshd: RunningSshd;
    before(async () => {
      sshd = await startSshd();
    });
    after(async () => {
      await sshd?.stop();
    });
    const prober = new TcpSshdProber();

    it('reads the banner of a real sshd', async () => {
      const answer = await prober.probe({ host: sshd.host, port: sshd.port }, 2000);
      assert.ok(answer.answered, JSON.stringify(answer));
      assert.match(answer.banner, /^SSH-2\.0-OpenSSH_/);
    });

    it('says no for a closed port, a silent listener and a non-SSH service', async () => {
      const closed = await prober.probe({ host: '127.0.0.1', port: await findFreePort('127.0.0.1') }, 2000);
      assert.equal(closed.answered, false);

      const silent = net.createServer(() => {});
      const http = net.createServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
      await Promise.all(
        [silent, http].map(
          (server) => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)),
        ),
      );
      try {
        const port = (server: net.Server) => (server.address() as net.AddressInfo).port;
        const quiet = await prober.probe({ host: '127.0.0.1', port: port(silent) }, 300);
        assert.deepEqual(quiet, { answered: false, reason: 'no SSH banner within 300 ms' });
        const other = await prober.probe({ host: '127.0.0.1', port: port(http) }, 2000);
        assert.equal(other.answered, false);
      } finally {
        for (const server of [silent, http]) server.close();
      }
    });
  });
});
