import assert from 'node:assert/strict';
import { planApply } from '../../../../../agent/src/domain/sshd/apply-plan.js';
import { planUninstall } from '../../../../../agent/src/domain/sshd/plan-uninstall.js';
import { createTempDir, generateKeyWithSshKeygen, type TempDir } from '../../../../harness/index.js';
import { applyEdit } from '../../../../agent/domain/sshd/golden-cases.js';

const DEBIAN = { id: 'debian', versionId: '12', initSystem: 'systemd' } as const;
const MAIN = '/etc/ssh/sshd_config';
const DROP_IN = '/etc/ssh/sshd_config.d/00-latchkey.conf';

describe('planApply and planUninstall', () => {
  let dir: TempDir;
  let key: string;
  let vault: string;
  before(async () => {
    dir = await createTempDir('apply-plan');
    key = (await generateKeyWithSshKeygen(dir.file('ca'), 'ed25519', 'latchkey')).publicKey;
    vault = (await generateKeyWithSshKeygen(dir.file('vault'), 'ed25519', 'vault')).publicKey;
  });
  after(async () => {
    await dir?.remove();
  });

  it('plans a drop-in change: backups, candidate, atomic writes, reload, probe and rollback', () => {
    const plan = planApply({
      mainPath: MAIN,
      mainText: 'Include /etc/ssh/sshd_config.d/*.conf\nPort 2222\n',
      included: new Map(),
      caText: undefined,
      serverKeys: [key],
      facts: DEBIAN,
    });
    assert.equal(plan.method, 'drop-in');
    assert.ok(plan.changed);
    assert.deepEqual(plan.directories, [{ path: '/etc/ssh/sshd_config.d', mode: 0o755 }]);
    assert.deepEqual(
      plan.writes.map((w) => [w.path, w.tempPath, w.mode, w.owner.uid]),
      [
        ['/etc/ssh/ca.pub', '/etc/ssh/.ca.pub.latchkey-tmp', 0o644, 0],
        [DROP_IN, '/etc/ssh/sshd_config.d/.00-latchkey.conf.latchkey-tmp', 0o644, 0],
      ],
    );
    assert.deepEqual(
      plan.backups.map((b) => [b.path, b.exists, b.original, b.previous]),
      [
        [
          '/etc/ssh/ca.pub',
          false,
          '/var/lib/latchkey-agent/backup/original/etc/ssh/ca.pub',
          '/var/lib/latchkey-agent/backup/previous/etc/ssh/ca.pub',
        ],
        [
          DROP_IN,
          false,
          `/var/lib/latchkey-agent/backup/original${DROP_IN}`,
          `/var/lib/latchkey-agent/backup/previous${DROP_IN}`,
        ],
      ],
    );
    assert.deepEqual(plan.candidate.validate, [
      '/usr/sbin/sshd',
      '-t',
      '-f',
      '/var/lib/latchkey-agent/candidate/sshd_config',
    ]);
    assert.equal(
      plan.candidate.files.find((f) => f.path.endsWith('/sshd_config'))!.content,
      `Include /var/lib/latchkey-agent/candidate/drop-in.conf\nInclude ${MAIN}\n`,
    );
    assert.deepEqual(plan.activate.reload, [{ kind: 'run', argv: ['systemctl', 'reload', 'ssh'] }]);
    assert.deepEqual(plan.probe.tcp, [{ host: '127.0.0.1', port: 2222 }]);
    assert.deepEqual(plan.probe.effectiveConfig, {
      argv: ['/usr/sbin/sshd', '-T', '-f', MAIN],
      expect: ['pubkeyauthentication yes', 'trustedusercakeys /etc/ssh/ca.pub'],
    });
    assert.deepEqual(plan.rollback, [
      { kind: 'delete', path: '/etc/ssh/ca.pub' },
      { kind: 'delete', path: DROP_IN },
    ]);
  });

  it('plans an in-place change that keeps modes, adopts the old CA and restores on rollback', () => {
    const plan = planApply({
      mainPath: MAIN,
      mainText:
        'PubkeyAuthentication yes\nTrustedUserCAKeys /etc/ssh/vault.pub\nListenAddress 127.0.0.5:22\nListenAddress [::1]:2200\n',
      included: new Map(),
      caText: undefined,
      serverKeys: [key],
      adoptedCaTexts: new Map([['/etc/ssh/vault.pub', `${vault}\n`]]),
      modes: new Map([[MAIN, 0o600]]),
      facts: { id: 'rocky', versionId: '9', initSystem: 'systemd' },
    });
    assert.equal(plan.method, 'in-place');
    assert.deepEqual(plan.caKeys.adopted.length, 1);
    assert.deepEqual(
      plan.writes.map((w) => [w.path, w.mode]),
      [
        ['/etc/ssh/ca.pub', 0o600],
        [MAIN, 0o600],
      ],
    );
    assert.equal(plan.candidate.files.length, 1);
    assert.match(plan.candidate.files[0]!.content, /TrustedUserCAKeys \/etc\/ssh\/ca.pub\n/);
    assert.deepEqual(plan.rollback, [
      { kind: 'delete', path: '/etc/ssh/ca.pub' },
      { kind: 'restore', path: MAIN, from: `/var/lib/latchkey-agent/backup/previous${MAIN}` },
    ]);
    assert.deepEqual(plan.probe.tcp, [
      { host: '127.0.0.5', port: 22 },
      { host: '::1', port: 2200 },
    ]);
  });

  it('plans nothing when everything is already in place', () => {
    const first = planApply({
      mainPath: MAIN,
      mainText: '#PubkeyAuthentication yes\n',
      included: new Map(),
      caText: undefined,
      serverKeys: [key],
      facts: DEBIAN,
    });
    const main = first.writes.find((w) => w.path === MAIN)!.content;
    const ca = first.writes.find((w) => w.path === '/etc/ssh/ca.pub')!.content;
    const again = planApply({
      mainPath: MAIN,
      mainText: main,
      included: new Map(),
      caText: ca,
      serverKeys: [key],
      facts: DEBIAN,
    });
    assert.equal(again.changed, false);
    assert.deepEqual([again.writes, again.deletes, again.backups], [[], [], []]);
  });

  it('uninstalls from the kept originals, or from Latchkey marks when they are gone', () => {
    const original = 'Port 22\n#PubkeyAuthentication yes\n';
    const apply = planApply({
      mainPath: MAIN,
      mainText: original,
      included: new Map(),
      caText: '# mine\n',
      serverKeys: [key],
      facts: DEBIAN,
    });
    const files = applyEdit(
      new Map([
        [MAIN, original],
        ['/etc/ssh/ca.pub', '# mine\n'],
      ]),
      {
        method: 'in-place',
        writes: apply.writes.map((w) => ({ role: 'main', path: w.path, content: w.content })),
        deletes: [],
        adoptCaFiles: [],
        warnings: [],
      },
    );

    const withoutBackups = planUninstall({
      mainPath: MAIN,
      mainText: files.get(MAIN)!,
      included: new Map(),
      caText: files.get('/etc/ssh/ca.pub'),
      originals: new Map(),
      facts: DEBIAN,
    });
    assert.deepEqual(withoutBackups.writes, [
      { path: MAIN, content: original },
      { path: '/etc/ssh/ca.pub', content: '# mine\n' },
    ]);
    assert.deepEqual(withoutBackups.deletes, []);
    assert.deepEqual(withoutBackups.validate, ['/usr/sbin/sshd', '-t', '-f', MAIN]);

    const withBackups = planUninstall({
      mainPath: MAIN,
      mainText: files.get(MAIN)!,
      included: new Map([[DROP_IN, '# Managed by latchkey-agent: makes sshd trust the Latchkey SSH CA.\n']]),
      caText: files.get('/etc/ssh/ca.pub'),
      originals: new Map<string, string | null>([
        [MAIN, original],
        ['/etc/ssh/ca.pub', null],
      ]),
      facts: DEBIAN,
    });
    assert.deepEqual(withBackups.writes, [{ path: MAIN, content: original }]);
    assert.deepEqual([...withBackups.deletes].sort(), ['/etc/ssh/ca.pub', DROP_IN].sort());
  });
});
