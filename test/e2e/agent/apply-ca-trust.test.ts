// The agent's "trust the CA" flow run for real: applyCaTrust and uninstallCaTrust with the real adapters
// against a real sshd (the harness's, with its own config in a temp dir and no service manager, so the
// plan's reload is a SIGHUP to the pid in sshd's PidFile), judged by the real ssh client.
import assert from 'node:assert/strict';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import type { OsFacts } from '../../../agent/src/domain/sshd/distro.js';
import { applyCaTrust } from '../../../agent/src/app/apply-ca-trust.js';
import { uninstallCaTrust } from '../../../agent/src/app/uninstall-ca-trust.js';
import type { SshdHost, SshdPaths } from '../../../agent/src/app/sshd-host.js';
import type { SshdChangeResult } from '../../../agent/src/app/sshd-change-result.js';
import { nodeSshdHost } from '../../../agent/src/adapters/node-sshd-host.js';
import {
  canConnect,
  createTempDir,
  createTestUser,
  removeTestUser,
  runSsh,
  startSshd,
  writeAuthorizedKeys,
} from '../../harness/index.js';
import type { RunningSshd, TempDir, TestUser } from '../../harness/index.js';
import { createKey, issueCertificateFile } from '../certificates/certificate-fixtures.js';
import type { CertificateOnDisk, KeyOnDisk } from '../certificates/certificate-fixtures.js';

const FACTS: OsFacts = { id: 'debian', versionId: '12', initSystem: 'none' };

describe('agent: applyCaTrust and uninstallCaTrust on a real sshd', () => {
  let dir: TempDir;
  let sshd: RunningSshd;
  let user: TestUser;
  let host: SshdHost;
  let paths: SshdPaths;
  let userKey: KeyOnDisk;
  let oldCa: KeyOnDisk;
  let newCa: KeyOnDisk;
  let oldCaCert: CertificateOnDisk;
  let newCaCert: CertificateOnDisk;
  let pristine: Map<string, Buffer>;
  let applied: Map<string, Buffer>;

  before(async () => {
    dir = await createTempDir('agent-ca-trust');
    user = await createTestUser();
    sshd = await startSshd();
    host = nodeSshdHost();
    paths = {
      mainPath: sshd.configPath,
      sshDir: sshd.dir,
      caPath: `${sshd.dir}/ca.pub`,
      stateDir: dir.file('state'),
      pidFile: `${sshd.dir}/sshd.pid`,
    };
    userKey = await createKey(dir, 'ed25519', 'user');
    await writeAuthorizedKeys(user, [userKey.publicKey]);
    oldCa = await createKey(dir, 'ed25519', 'ca-old');
    newCa = await createKey(dir, 'ed25519', 'ca-new');
    const certKeyOld = await createKey(dir, 'ed25519', 'cert-old');
    const certKeyNew = await createKey(dir, 'ed25519', 'cert-new');
    oldCaCert = await issueCertificateFile(oldCa, certKeyOld, {
      keyId: 'alice old CA',
      principals: [user.name],
    });
    newCaCert = await issueCertificateFile(newCa, certKeyNew, {
      keyId: 'alice new CA',
      principals: [user.name],
    });
    pristine = await snapshot(sshd.dir);
  });

  after(async () => {
    await sshd?.stop();
    if (user) await removeTestUser(user);
    await dir?.remove();
  });

  const keyLogin = () =>
    runSsh({ server: sshd, user: user.name, identityFile: userKey.privateKeyPath, command: 'id -un' });
  const certLogin = (cert: CertificateOnDisk) =>
    runSsh({
      server: sshd,
      user: user.name,
      identityFile: cert.certificatePath.replace(/-cert\.pub$/, ''),
      certificateFile: cert.certificatePath,
      command: 'id -un',
    });
  const apply = (serverKeys: string[], host_ = host, extra: Partial<SshdPaths> = {}) =>
    applyCaTrust({ host: host_, facts: FACTS, paths: { ...paths, ...extra }, serverKeys });

  it('makes a certificate login work, with one SIGHUP and sshd answering all along', async () => {
    assert.equal((await certLogin(oldCaCert)).code, 255, 'no CA is trusted before the apply');
    const pid = sshd.pid;
    const mark = sshd.logMark();
    // A session open across the reload: SIGHUP re-executes the listener only, sessions keep running.
    const session = runSsh({
      server: sshd,
      user: user.name,
      identityFile: userKey.privateKeyPath,
      command: 'sleep 2; echo still-here',
    });
    await sshd.waitForLog(/Accepted publickey for /, 5000, mark);

    const result = await apply([oldCa.publicKey]);

    assert.equal(result.status, 'applied', show(result));
    assert.equal(result.status === 'applied' && result.activatedBy, 'reload');
    assert.equal(result.method, 'in-place');
    await sshd.waitForLog(/Received SIGHUP; restarting\./, 5000, mark);
    assert.equal(sshd.exited, false);
    assert.equal(sshd.pid, pid);
    const login = await certLogin(oldCaCert);
    assert.equal(login.code, 0, login.stderr);
    assert.equal(login.stdout.trim(), user.name);
    await sshd.waitForLog(/Accepted publickey for .* ID alice old CA/, 5000, mark);
    assert.equal((await keyLogin()).code, 0, 'the key login still works');
    const survived = await session;
    assert.deepEqual([survived.code, survived.stdout.trim()], [0, 'still-here'], survived.stderr);

    const config = await readFile(sshd.configPath, 'utf8');
    assert.match(config, new RegExp(`\\nTrustedUserCAKeys ${paths.caPath}\\n`));
    assert.ok(
      (await readFile(paths.caPath!, 'utf8')).includes(oldCa.publicKey.split(' ')[1]!),
      'ca.pub holds the CA key',
    );
    applied = await snapshot(sshd.dir);
  });

  it('is unchanged on a second apply with the same keys and leaves sshd alone', async () => {
    const mark = sshd.logMark();
    const result = await apply([oldCa.publicKey]);
    assert.equal(result.status, 'unchanged', show(result));
    assert.deepEqual(await snapshot(sshd.dir), applied);
    assert.equal((await certLogin(oldCaCert)).code, 0);
    assert.doesNotMatch(sshd.logs().slice(mark), /SIGHUP/);
  });

  it('rolls back when sshd rejects the candidate (a broken Include of the admin): nothing touched, no reload', async () => {
    const broken = `${sshd.dir}/broken.conf`;
    const main = await readFile(sshd.configPath);
    try {
      await writeFile(broken, 'NoSuchKeywordAtAll yes\n');
      await writeFile(sshd.configPath, `Include ${broken}\n${main.toString('utf8')}`);
      const before = await snapshot(sshd.dir);
      const mark = sshd.logMark();

      const result = await apply([oldCa.publicKey, newCa.publicKey]);

      assert.equal(result.status, 'rolled_back', show(result));
      assert.ok(result.status === 'rolled_back');
      assert.equal(result.failure.stage, 'validate');
      assert.match(result.failure.output ?? '', /NoSuchKeywordAtAll/);
      assert.deepEqual(result.rollback, {
        restored: [],
        reactivated: 'not-needed',
        sshdAnswers: undefined,
        errors: [],
      });
      assert.deepEqual(await snapshot(sshd.dir), before);
      assert.doesNotMatch(sshd.logs().slice(mark), /SIGHUP/);
    } finally {
      await writeFile(sshd.configPath, main);
      await host.files.remove(broken);
    }
    assert.deepEqual(await snapshot(sshd.dir), applied);
    assert.ok(await canConnect(sshd.host, sshd.port));
    assert.equal((await keyLogin()).code, 0);
    assert.equal((await certLogin(oldCaCert)).code, 0);
    assert.equal((await certLogin(newCaCert)).code, 255);
  });

  it('rotates the CA without a reload: sshd reads ca.pub at each login', async () => {
    const mark = sshd.logMark();
    const rotated = await apply([oldCa.publicKey, newCa.publicKey]);
    assert.equal(rotated.status, 'applied', show(rotated));
    assert.equal(rotated.status === 'applied' && rotated.activatedBy, 'not-needed');
    assert.equal((await certLogin(newCaCert)).code, 0, 'the new CA logs in at once');
    assert.equal((await certLogin(oldCaCert)).code, 0);
    const back = await apply([oldCa.publicKey]);
    assert.equal(back.status, 'applied', show(back));
    assert.equal((await certLogin(newCaCert)).code, 255, 'and a removed CA is refused at once');
    assert.doesNotMatch(sshd.logs().slice(mark), /SIGHUP/, 'sshd was never reloaded');
    assert.deepEqual(await snapshot(sshd.dir), applied);
  });

  /**
   * A rotation that must also rewrite sshd_config (the admin took Latchkey's lines out by hand), so that
   * sshd is reloaded: `before` is the state it must roll back to; the applied config is put back after.
   */
  const withLatchkeyLinesRemoved = async (run: (before: Map<string, Buffer>) => Promise<void>) => {
    const appliedConfig = await readFile(sshd.configPath);
    await writeFile(sshd.configPath, pristine.get('sshd_config')!);
    try {
      await run(await snapshot(sshd.dir));
    } finally {
      await writeFile(sshd.configPath, appliedConfig);
    }
  };

  it('rolls back a CA rotation whose check fails after the reload: files byte-identical, old trust back', async () => {
    // The same real adapters, except that the first `sshd -T` after the reload fails as a broken sshd would.
    let failed = false;
    const faulty: SshdHost = {
      ...host,
      commands: {
        run: async (argv, options) => {
          if (argv.includes('-T') && !failed) {
            failed = true;
            return { code: 255, signal: null, stdout: '', stderr: 'simulated: sshd -T failed' };
          }
          return host.commands.run(argv, options);
        },
      },
    };
    await withLatchkeyLinesRemoved(async (before) => {
      const mark = sshd.logMark();

      const result = await apply([oldCa.publicKey, newCa.publicKey], faulty);

      assert.equal(result.status, 'rolled_back', show(result));
      assert.ok(result.status === 'rolled_back');
      assert.equal(result.failure.stage, 'probe');
      assert.match(result.failure.output ?? '', /simulated/);
      assert.deepEqual([...result.rollback.restored].sort(), [paths.caPath!, sshd.configPath].sort());
      assert.equal(result.rollback.reactivated, 'reload');
      assert.equal(result.rollback.sshdAnswers, true);
      assert.deepEqual(result.rollback.errors, []);
      assert.deepEqual(await snapshot(sshd.dir), before);
      assert.equal(
        sshd
          .logs()
          .slice(mark)
          .match(/Received SIGHUP/g)?.length,
        2,
        'reload, then reload after the restore',
      );
      assert.equal(sshd.exited, false);
      assert.equal((await keyLogin()).code, 0);
      assert.equal(
        (await certLogin(newCaCert)).code,
        255,
        'the rotated-in CA is not trusted after the rollback',
      );
    });
  });

  it('rolls back when the reload itself fails (no sshd in the pid file): sshd never told, still answering', async () => {
    await withLatchkeyLinesRemoved(async (before) => {
      const result = await apply([oldCa.publicKey, newCa.publicKey], host, {
        pidFile: dir.file('no-such.pid'),
      });

      assert.equal(result.status, 'rolled_back', show(result));
      assert.ok(result.status === 'rolled_back');
      assert.equal(result.failure.stage, 'activate');
      assert.match(result.failure.message, /no-such\.pid/);
      assert.equal(result.rollback.reactivated, 'failed', 'nothing can signal sshd: the report says so');
      assert.equal(result.rollback.sshdAnswers, true);
      assert.deepEqual(await snapshot(sshd.dir), before);
      assert.equal((await keyLogin()).code, 0);
    });
    assert.deepEqual(await snapshot(sshd.dir), applied);
    await sshd.reload(); // sshd last read the config without Latchkey's lines (the rollback above)
    assert.equal((await certLogin(oldCaCert)).code, 0);
  });

  it('uninstall gives back the config byte for byte and certificate logins stop', async () => {
    const mark = sshd.logMark();
    const result = await uninstallCaTrust({ host, facts: FACTS, paths });

    assert.equal(result.status, 'applied', show(result));
    assert.deepEqual(await snapshot(sshd.dir), pristine);
    await sshd.waitForLog(/Received SIGHUP; restarting\./, 5000, mark);
    assert.equal((await certLogin(oldCaCert)).code, 255);
    assert.equal((await keyLogin()).code, 0);
    assert.deepEqual(await readdir(paths.stateDir!), [], 'the backups are forgotten');

    const again = await uninstallCaTrust({ host, facts: FACTS, paths });
    assert.equal(again.status, 'unchanged', show(again));
  });
});

/** Every file of sshd's directory, by name (temp files left behind would show up here too). */
async function snapshot(directory: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const name of (await readdir(directory)).sort())
    files.set(name, await readFile(`${directory}/${name}`));
  return files;
}

function show(result: SshdChangeResult): string {
  return JSON.stringify(result, null, 2);
}
