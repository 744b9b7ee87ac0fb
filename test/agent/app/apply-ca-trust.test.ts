import assert from 'node:assert/strict';
import { generateSshKeyPair } from '@latchkey/shared';
import { applyCaTrust } from '../../../agent/src/app/apply-ca-trust.js';
import type { OsFacts } from '../../../agent/src/domain/sshd/distro.js';
import { InMemorySshdHost } from './in-memory-sshd-host.js';

const DEBIAN: OsFacts = { id: 'debian', versionId: '12', initSystem: 'systemd' };
const MAIN = '/etc/ssh/sshd_config';
const CA = '/etc/ssh/ca.pub';
const DROP_IN_DIR = '/etc/ssh/sshd_config.d';
const DROP_IN = `${DROP_IN_DIR}/00-latchkey.conf`;
const STATE = '/var/lib/latchkey-agent';
const CANDIDATE = `${STATE}/candidate/sshd_config`;
const EFFECTIVE = `pubkeyauthentication yes\ntrustedusercakeys ${CA}\npidfile /run/sshd.pid\n`;

const VALIDATE_CANDIDATE = `run /usr/sbin/sshd -t -f ${CANDIDATE}`;
const VALIDATE_LIVE = `run /usr/sbin/sshd -t -f ${MAIN}`;
const EFFECTIVE_CONFIG = `run /usr/sbin/sshd -T -f ${MAIN}`;
const RELOAD = 'run systemctl reload ssh';
// The restart clears a start limit that failed starts may have hit (see restart-plan.ts).
const RESTART = ['run systemctl reset-failed ssh', 'run systemctl restart ssh'];

const caKey = generateSshKeyPair('ed25519').publicKey.toAuthorizedKey('latchkey CA');
const rotatedKey = generateSshKeyPair('ed25519').publicKey.toAuthorizedKey('latchkey CA 2');

/** A Debian-like host: the main file includes sshd_config.d (which does not exist yet); sshd answers. */
function debianHost(): InMemorySshdHost {
  const host = new InMemorySshdHost({
    [MAIN]: 'Include /etc/ssh/sshd_config.d/*.conf\nPort 22\n',
    '/etc/ssh/ssh_host_ed25519_key': 'host key',
  });
  host.respond = (argv) => (argv.includes('-T') ? { stdout: EFFECTIVE } : {});
  return host;
}

/** An older host: no Include, the admin's CA file with CRLF endings (merge rewrites those as LF). */
function inPlaceHost(): InMemorySshdHost {
  const host = new InMemorySshdHost();
  host.put(MAIN, '#PubkeyAuthentication yes\r\nPort 2222\r\n', 0o600);
  host.put(CA, '# the admin keeps this comment\r\n', 0o600);
  host.respond = (argv) => (argv.includes('-T') ? { stdout: EFFECTIVE } : {});
  return host;
}

const apply = (host: InMemorySshdHost, serverKeys = [caKey], facts = DEBIAN) =>
  applyCaTrust({ host, facts, serverKeys });

describe('applyCaTrust (in-memory ports)', () => {
  it('validates the candidate, backs up, writes atomically, reloads and probes, in that order', async () => {
    const host = debianHost();
    const result = await apply(host);

    assert.equal(result.status, 'applied', JSON.stringify(result, null, 2));
    assert.ok(result.status === 'applied');
    assert.equal(result.method, 'drop-in');
    assert.equal(result.activatedBy, 'reload');
    assert.deepEqual(result.changedFiles, [CA, DROP_IN]);
    assert.deepEqual(
      host.events.filter((e) => !e.startsWith('mkdir /var')),
      [
        `write ${STATE}/candidate/drop-in.conf`,
        `write ${CANDIDATE}`,
        VALIDATE_CANDIDATE,
        `remove ${STATE}/candidate/drop-in.conf`,
        `remove ${CANDIDATE}`,
        `rmdir ${STATE}/candidate`,
        `write ${STATE}/backup/original${CA}.latchkey-absent`,
        `write ${STATE}/backup/original${DROP_IN}.latchkey-absent`,
        `mkdir ${DROP_IN_DIR} 755`,
        `write ${CA}`,
        `write ${DROP_IN}`,
        RELOAD,
        'probe 127.0.0.1:22',
        EFFECTIVE_CONFIG,
      ],
    );
    assert.match(host.text(CA)!, new RegExp(caKey.split(' ')[1]!.replace(/[+/]/g, '.')));
    assert.match(host.text(DROP_IN)!, /^TrustedUserCAKeys \/etc\/ssh\/ca.pub$/m);
    assert.equal(host.fileMap.get(DROP_IN)!.mode, 0o644);
  });

  it('changes nothing and leaves sshd alone on a second apply with the same keys', async () => {
    const host = debianHost();
    await apply(host);
    const before = host.snapshot('/');
    host.events.length = 0;

    const result = await apply(host);

    assert.equal(result.status, 'unchanged');
    assert.deepEqual(host.events, []);
    assert.deepEqual(host.snapshot('/'), before);
  });

  it('stops before touching anything when sshd -t rejects the candidate, and reports its output', async () => {
    const host = debianHost();
    host.respond = (argv) =>
      argv.includes('-t')
        ? { code: 255, stderr: '/etc/ssh/sshd_config line 3: Bad configuration option' }
        : {};
    const before = host.snapshot();

    const result = await apply(host);

    assert.equal(result.status, 'rolled_back');
    assert.ok(result.status === 'rolled_back');
    assert.equal(result.failure.stage, 'validate');
    assert.match(result.failure.output!, /Bad configuration option/);
    assert.deepEqual(result.rollback, {
      restored: [],
      reactivated: 'not-needed',
      sshdAnswers: undefined,
      errors: [],
    });
    assert.deepEqual(host.commandLog(), [VALIDATE_CANDIDATE]);
    assert.deepEqual(host.snapshot(), before);
    assert.equal(host.directories.has(DROP_IN_DIR), false);
    assert.equal(
      host.fileMap.has(`${STATE}/backup/original${CA}.latchkey-absent`),
      false,
      'no backup either',
    );
  });

  it('falls back to the restart when the reload fails', async () => {
    const host = debianHost();
    const respond = host.respond;
    host.respond = (argv) =>
      argv.includes('reload') ? { code: 1, stderr: 'Unit ssh.service not loaded.' } : respond(argv);

    const result = await apply(host);

    assert.equal(result.status, 'applied');
    assert.ok(result.status === 'applied');
    assert.equal(result.activatedBy, 'restart');
    assert.deepEqual(host.commandLog(), [VALIDATE_CANDIDATE, RELOAD, ...RESTART, EFFECTIVE_CONFIG]);
  });

  it('rolls back byte for byte when the reload and the restart both fail, then restarts sshd on the old files', async () => {
    const host = inPlaceHost();
    let restarts = 0;
    host.respond = (argv) => {
      if (argv.includes('-T')) return { stdout: EFFECTIVE };
      if (argv.includes('reload')) return { code: 1, stderr: 'reload refused' };
      if (argv.includes('restart') && restarts++ === 0)
        return { code: 1, stderr: 'Job for ssh.service failed' };
      return {};
    };
    const before = host.snapshot();

    const result = await apply(host);

    assert.equal(result.status, 'rolled_back', JSON.stringify(result, null, 2));
    assert.ok(result.status === 'rolled_back');
    assert.equal(result.method, 'in-place');
    assert.equal(result.failure.stage, 'activate');
    assert.match(result.failure.message, /systemctl restart ssh failed/);
    assert.equal(result.failure.output, 'Job for ssh.service failed');
    assert.deepEqual(result.rollback, {
      restored: [CA, MAIN],
      reactivated: 'restart',
      sshdAnswers: true,
      errors: [],
    });
    assert.deepEqual(host.snapshot(), before, 'CRLF endings, modes and all');
    assert.deepEqual(host.commandLog(), [
      VALIDATE_CANDIDATE,
      RELOAD,
      ...RESTART,
      VALIDATE_LIVE,
      RELOAD,
      ...RESTART,
    ]);
    assert.deepEqual(
      host.events.filter((e) => e.startsWith('probe')),
      ['probe 127.0.0.1:2222'],
      'probed once, after the rollback restart (the failed steps never reached the probe)',
    );
  });

  it('rolls back when sshd stops answering after the reload and the restart', async () => {
    const host = debianHost();
    // sshd answers only while the drop-in does not exist: the new configuration "kills" it.
    host.answer = () =>
      host.fileMap.has(DROP_IN)
        ? { answered: false, reason: 'connect ECONNREFUSED' }
        : { answered: true, banner: 'SSH-2.0-OpenSSH_9.2' };
    const before = host.snapshot();

    const result = await apply(host);

    assert.equal(result.status, 'rolled_back');
    assert.ok(result.status === 'rolled_back');
    assert.equal(result.failure.stage, 'probe');
    assert.match(result.failure.message, /sshd does not answer on 127\.0\.0\.1:22: connect ECONNREFUSED/);
    assert.deepEqual(result.rollback, {
      restored: [CA, DROP_IN],
      reactivated: 'reload',
      sshdAnswers: true,
      errors: [],
    });
    assert.deepEqual(host.snapshot(), before);
    assert.equal(host.directories.has(DROP_IN_DIR), false, 'the directory made for the drop-in is gone');
    assert.deepEqual(host.commandLog(), [VALIDATE_CANDIDATE, RELOAD, ...RESTART, VALIDATE_LIVE, RELOAD]);
    assert.ok(host.clock.now() >= 20_000, 'each activation waited the probe timeout before giving up');
  });

  it('rolls back when sshd -T does not show the CA after the reload', async () => {
    const host = debianHost();
    host.respond = (argv) => (argv.includes('-T') ? { stdout: 'pubkeyauthentication yes\n' } : {});
    const before = host.snapshot();

    const result = await apply(host);

    assert.ok(result.status === 'rolled_back');
    assert.equal(result.failure.stage, 'probe');
    assert.match(result.failure.message, /lacks "trustedusercakeys \/etc\/ssh\/ca.pub"/);
    assert.deepEqual(host.snapshot(), before);
  });

  it('restores the files already written when a write fails midway, without telling sshd anything', async () => {
    const host = inPlaceHost();
    host.failWrite = (path) => (path === MAIN ? 'EROFS: read-only file system' : undefined);
    const before = host.snapshot();

    const result = await apply(host);

    assert.ok(result.status === 'rolled_back');
    assert.equal(result.failure.stage, 'write');
    assert.match(result.failure.message, /EROFS/);
    assert.equal(result.rollback.reactivated, 'not-needed');
    assert.deepEqual(result.rollback.restored, [CA], 'the main file whose write failed was never replaced');
    assert.deepEqual(result.rollback.errors, []);
    assert.deepEqual(host.snapshot(), before, 'ca.pub was written, then put back');
    assert.deepEqual(host.commandLog(), [VALIDATE_CANDIDATE]);
    assert.deepEqual(
      host.events.filter((e) => e.includes(CA) && !e.includes(STATE)),
      [`write ${CA}`, `write ${CA}`],
    );
  });

  it('rotates the CA key without reloading sshd (it reads TrustedUserCAKeys at each login)', async () => {
    const host = debianHost();
    assert.equal((await apply(host)).status, 'applied');
    const commandsBefore = host.commandLog().length;

    const result = await apply(host, [caKey, rotatedKey]);

    assert.ok(result.status === 'applied', JSON.stringify(result));
    assert.equal(result.activatedBy, 'not-needed');
    assert.deepEqual(result.changedFiles, [CA]);
    assert.ok(host.text(CA)!.includes(rotatedKey.split(' ')[1]!));
    // Only the candidate's check: no reload, no restart, no signal.
    assert.deepEqual(host.commandLog().slice(commandsBefore), [VALIDATE_CANDIDATE]);
  });

  it('leaves a file someone else replaced meanwhile as they wrote it, and does not reload sshd', async () => {
    const host = debianHost();
    const theirs = 'Include /etc/ssh/sshd_config.d/*.conf\nPort 22\n# the admin, a moment later\n';
    host.afterWrite = (path) => {
      if (path === DROP_IN) host.put(DROP_IN, theirs);
    };

    const result = await apply(host);

    assert.ok(result.status === 'rolled_back', JSON.stringify(result));
    assert.match(result.failure.message, /00-latchkey\.conf changed while Latchkey was writing it/);
    assert.deepEqual(result.rollback.restored, [], 'their write is kept, not rolled back over');
    assert.equal(host.text(DROP_IN), theirs);
    assert.ok(!host.commandLog().includes(RELOAD), 'sshd is not told to read a file it may see half-written');
  });

  it('a rollback leaves a file someone else wrote during the reload as they wrote it, and puts back the rest', async () => {
    const host = debianHost();
    const theirs = 'PubkeyAuthentication yes\n# the admin, during the reload\n';
    host.respond = (argv) => {
      if (argv.join(' ') === 'systemctl reload ssh') host.put(DROP_IN, theirs);
      if (argv.includes('-T')) return { stdout: EFFECTIVE };
      return argv[0] === 'systemctl' ? { code: 1, stderr: 'Job failed' } : {};
    };

    const result = await apply(host);

    assert.ok(result.status === 'rolled_back', JSON.stringify(result));
    assert.equal(host.text(DROP_IN), theirs, 'their write is not thrown away by the rollback');
    assert.deepEqual(result.rollback.restored, [CA], 'what only Latchkey wrote is put back');
    assert.equal(result.reloadOwed, true, 'sshd never read a working set of files: the next change reloads');
  });

  it('an interrupted change is owed a reload: the next apply reloads even when the files need nothing', async () => {
    const host = debianHost();
    // The CA file is rewritten by someone else just after Latchkey wrote it and the drop-in.
    let once = true;
    host.afterWrite = (path) => {
      if (path === CA && once) {
        once = false;
        host.put(CA, `${caKey}\n# their comment\n`);
      }
    };
    const first = await apply(host);
    assert.ok(first.status === 'rolled_back', JSON.stringify(first));
    assert.equal(first.reloadOwed, true);
    assert.ok(!host.commandLog().includes(RELOAD));

    // Their CA file already has the key and the drop-in is in place: nothing to write, but sshd has yet to
    // read the drop-in (without the debt this was "unchanged" for ever, and certificates never worked).
    const second = await applyCaTrust({ host, facts: DEBIAN, serverKeys: [caKey], reloadOwed: true });
    assert.ok(second.status === 'applied', JSON.stringify(second));
    assert.equal(second.activatedBy, 'reload');
    assert.equal(second.reloadOwed, false);
    assert.ok(host.commandLog().includes(RELOAD));
    const third = await applyCaTrust({ host, facts: DEBIAN, serverKeys: [caKey], reloadOwed: false });
    assert.equal(third.status, 'unchanged');
  });

  it('plans nothing on a main sshd_config that says nothing of its own (caught between truncate and write)', async () => {
    const host = debianHost();
    host.put(MAIN, '');
    const result = await apply(host);
    assert.ok(result.status === 'rolled_back', JSON.stringify(result));
    assert.match(result.failure.message, /says nothing of its own/);
    assert.deepEqual(host.commandLog(), [], 'no check, no write, no reload');
    assert.equal(host.text(MAIN), '');
  });

  it('keeps the first original and rolls a CA rotation back to the previous version, not the original', async () => {
    const host = inPlaceHost();
    const original = host.snapshot();
    assert.equal((await apply(host)).status, 'applied');
    // The admin takes Latchkey's lines out by hand: the rotation rewrites sshd_config too, so it reloads.
    host.put(MAIN, '#PubkeyAuthentication yes\r\nPort 2222\r\n', 0o600);
    const applied = host.snapshot();
    host.answer = () =>
      host.text(CA)!.includes(rotatedKey.split(' ')[1]!)
        ? { answered: false, reason: 'timeout' }
        : { answered: true, banner: 'SSH-2.0-OpenSSH_9.2' };

    const result = await apply(host, [caKey, rotatedKey]);

    assert.ok(result.status === 'rolled_back');
    assert.deepEqual(host.snapshot(), applied);
    const kept = host.fileMap.get(`${STATE}/backup/original${CA}`)!;
    assert.deepEqual(kept.bytes, original.get(CA)!.bytes, 'the original backup is the pre-Latchkey file');
    assert.equal(kept.mode, 0o600);
  });

  it('without a service manager: SIGHUP to the pid in the PidFile that sshd -T names', async () => {
    const host = debianHost();
    host.put('/run/custom-sshd.pid', '4242\n');
    host.respond = (argv) =>
      argv.includes('-T') ? { stdout: EFFECTIVE.replace('/run/sshd.pid', '/run/custom-sshd.pid') } : {};

    const result = await apply(host, [caKey], { id: 'alpine', initSystem: 'none' });

    assert.equal(result.status, 'applied');
    assert.deepEqual(host.commandLog(), [
      EFFECTIVE_CONFIG,
      VALIDATE_CANDIDATE,
      'signal SIGHUP 4242',
      EFFECTIVE_CONFIG,
    ]);
  });

  it('after a SIGHUP, waits until sshd has re-executed (rewritten its pid file) before probing', async () => {
    // A second SIGHUP before sshd's handler is back would kill it; under load the old process may still
    // answer the probe. sshd rewrites its pid file only once it can take a SIGHUP again.
    const host = debianHost();
    host.rewrite('/run/custom-sshd.pid', '4242\n');
    host.onSignal = () => host.later(1500, () => host.rewrite('/run/custom-sshd.pid', '4242\n'));
    host.respond = (argv) =>
      argv.includes('-T') ? { stdout: EFFECTIVE.replace('/run/sshd.pid', '/run/custom-sshd.pid') } : {};

    const result = await apply(host, [caKey], { id: 'alpine', initSystem: 'none' });

    assert.equal(result.status, 'applied');
    const events = host.events.filter((e) => /^(signal|rewrite|probe)/.test(e));
    const signalled = events.indexOf('signal SIGHUP 4242');
    assert.deepEqual(events.slice(signalled, signalled + 3), [
      'signal SIGHUP 4242',
      'rewrite /run/custom-sshd.pid',
      events[signalled + 2],
    ]);
    assert.match(events[signalled + 2]!, /^probe /, 'the probe comes after the re-exec');
  });

  it('with systemd too: after `systemctl reload ssh`, the probe waits for sshd to rewrite /run/sshd.pid', async () => {
    const host = debianHost();
    host.rewrite('/run/sshd.pid', '777\n');
    const respond = host.respond;
    host.respond = (argv) => {
      if (argv.join(' ') === 'systemctl reload ssh') {
        host.later(2000, () => host.rewrite('/run/sshd.pid', '777\n'));
      }
      return respond(argv);
    };

    const result = await apply(host, [caKey]);

    assert.equal(result.status, 'applied');
    const events = host.events.filter((e) => /^(run systemctl reload|rewrite|probe)/.test(e));
    const reloaded = events.indexOf('run systemctl reload ssh');
    assert.ok(reloaded >= 0, host.events.join('\n'));
    assert.equal(events[reloaded + 1], 'rewrite /run/sshd.pid', events.join('\n'));
    assert.match(events[reloaded + 2] ?? '', /^probe /);
  });

  it('reads a pid file sshd is rewriting (empty for a moment) once it holds the pid again', async () => {
    const host = debianHost();
    host.put('/run/custom-sshd.pid', '');
    host.later(300, () => host.put('/run/custom-sshd.pid', '4243\n'));
    host.respond = (argv) =>
      argv.includes('-T') ? { stdout: EFFECTIVE.replace('/run/sshd.pid', '/run/custom-sshd.pid') } : {};

    const result = await apply(host, [caKey], { id: 'alpine', initSystem: 'none' });

    assert.equal(result.status, 'applied');
    assert.ok(host.commandLog().includes('signal SIGHUP 4243'), host.commandLog().join('\n'));
  });

  it('without a service manager, a missing pid file is a failed activation that is rolled back', async () => {
    const host = debianHost();
    const before = host.snapshot();

    const result = await applyCaTrust({
      host,
      facts: { id: 'debian', initSystem: 'none' },
      serverKeys: [caKey],
      paths: { pidFile: '/run/nothing.pid' },
    });

    assert.ok(result.status === 'rolled_back');
    assert.equal(result.failure.stage, 'activate');
    assert.match(result.failure.message, /\/run\/nothing\.pid is missing/);
    assert.equal(result.rollback.reactivated, 'failed');
    assert.equal(result.rollback.sshdAnswers, true);
    assert.deepEqual(host.snapshot(), before);
  });
});
