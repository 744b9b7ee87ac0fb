import assert from 'node:assert/strict';
import { distroFamily, versionAtLeast, type OsFacts } from '../../../../agent/src/domain/sshd/distro.js';
import { restartPlan } from '../../../../agent/src/domain/sshd/restart-plan.js';

const run = (...argv: string[]) => ({ kind: 'run', argv });

describe('restartPlan by distro', () => {
  const table: [string, OsFacts, string, unknown[], unknown[]][] = [
    [
      'Debian 7 (sysvinit)',
      { id: 'debian', versionId: '7', initSystem: 'sysvinit' },
      'ssh',
      [run('service', 'ssh', 'reload')],
      [run('service', 'ssh', 'restart')],
    ],
    [
      'Ubuntu 14.04 (upstart, service wrapper)',
      { id: 'ubuntu', versionId: '14.04', initSystem: 'sysvinit' },
      'ssh',
      [run('service', 'ssh', 'reload')],
      [run('service', 'ssh', 'restart')],
    ],
    [
      'Debian 12',
      { id: 'debian', versionId: '12', initSystem: 'systemd' },
      'ssh',
      [run('systemctl', 'reload', 'ssh')],
      [run('systemctl', 'reset-failed', 'ssh'), run('systemctl', 'restart', 'ssh')],
    ],
    [
      'Ubuntu 22.04',
      { id: 'ubuntu', versionId: '22.04', initSystem: 'systemd' },
      'ssh',
      [run('systemctl', 'reload', 'ssh')],
      [run('systemctl', 'reset-failed', 'ssh'), run('systemctl', 'restart', 'ssh')],
    ],
    [
      'Ubuntu 24.04 (ssh.socket)',
      { id: 'ubuntu', versionId: '24.04', initSystem: 'systemd' },
      'ssh',
      [run('systemctl', 'try-reload-or-restart', 'ssh.service')],
      [run('systemctl', 'reset-failed', 'ssh.service'), run('systemctl', 'restart', 'ssh.service')],
    ],
    [
      'Ubuntu 24.04 with ssh.socket disabled',
      { id: 'ubuntu', versionId: '24.04', initSystem: 'systemd', sshSocketEnabled: false },
      'ssh',
      [run('systemctl', 'reload', 'ssh')],
      [run('systemctl', 'reset-failed', 'ssh'), run('systemctl', 'restart', 'ssh')],
    ],
    [
      'CentOS 6',
      { id: 'centos', versionId: '6', initSystem: 'sysvinit' },
      'sshd',
      [run('service', 'sshd', 'reload')],
      [run('service', 'sshd', 'restart')],
    ],
    [
      'CentOS 7',
      { id: 'centos', versionId: '7', initSystem: 'systemd' },
      'sshd',
      [run('systemctl', 'reload', 'sshd')],
      [run('systemctl', 'reset-failed', 'sshd'), run('systemctl', 'restart', 'sshd')],
    ],
    [
      'Rocky 9',
      { id: 'rocky', idLike: ['rhel', 'centos', 'fedora'], versionId: '9.4', initSystem: 'systemd' },
      'sshd',
      [run('systemctl', 'reload', 'sshd')],
      [run('systemctl', 'reset-failed', 'sshd'), run('systemctl', 'restart', 'sshd')],
    ],
    [
      'Fedora 40',
      { id: 'fedora', versionId: '40', initSystem: 'systemd' },
      'sshd',
      [run('systemctl', 'reload', 'sshd')],
      [run('systemctl', 'reset-failed', 'sshd'), run('systemctl', 'restart', 'sshd')],
    ],
    [
      'Amazon Linux 2',
      { id: 'amzn', idLike: ['centos', 'rhel', 'fedora'], versionId: '2', initSystem: 'systemd' },
      'sshd',
      [run('systemctl', 'reload', 'sshd')],
      [run('systemctl', 'reset-failed', 'sshd'), run('systemctl', 'restart', 'sshd')],
    ],
    [
      'Amazon Linux 2023',
      { id: 'amzn', idLike: ['fedora'], versionId: '2023', initSystem: 'systemd' },
      'sshd',
      [run('systemctl', 'reload', 'sshd')],
      [run('systemctl', 'reset-failed', 'sshd'), run('systemctl', 'restart', 'sshd')],
    ],
    [
      'openSUSE Leap',
      { id: 'opensuse-leap', idLike: ['suse', 'opensuse'], versionId: '15.6', initSystem: 'systemd' },
      'sshd',
      [run('systemctl', 'reload', 'sshd')],
      [run('systemctl', 'reset-failed', 'sshd'), run('systemctl', 'restart', 'sshd')],
    ],
    [
      'SLES',
      { id: 'sles', idLike: ['suse'], versionId: '15.5', initSystem: 'systemd' },
      'sshd',
      [run('systemctl', 'reload', 'sshd')],
      [run('systemctl', 'reset-failed', 'sshd'), run('systemctl', 'restart', 'sshd')],
    ],
    [
      'Alpine (OpenRC)',
      { id: 'alpine', versionId: '3.20.1', initSystem: 'openrc' },
      'sshd',
      [run('rc-service', 'sshd', 'reload')],
      [run('rc-service', 'sshd', 'restart')],
    ],
    [
      'Arch',
      { id: 'arch', initSystem: 'systemd' },
      'sshd',
      [run('systemctl', 'reload', 'sshd')],
      [run('systemctl', 'reset-failed', 'sshd'), run('systemctl', 'restart', 'sshd')],
    ],
    [
      'Linux Mint (ID_LIKE ubuntu)',
      { id: 'linuxmint', idLike: ['ubuntu', 'debian'], versionId: '21.3', initSystem: 'systemd' },
      'ssh',
      [run('systemctl', 'reload', 'ssh')],
      [run('systemctl', 'reset-failed', 'ssh'), run('systemctl', 'restart', 'ssh')],
    ],
    [
      'unknown distro, units tell',
      { id: 'foo', initSystem: 'systemd', units: ['ssh.service'] },
      'ssh',
      [run('systemctl', 'reload', 'ssh')],
      [run('systemctl', 'reset-failed', 'ssh'), run('systemctl', 'restart', 'ssh')],
    ],
    [
      'container without init',
      { id: 'debian', initSystem: 'none' },
      'ssh',
      [{ kind: 'signal', pidFile: '/run/sshd.pid', signal: 'SIGHUP' }],
      [],
    ],
  ];
  for (const [name, facts, service, reload, restart] of table) {
    it(name, () => {
      const plan = restartPlan(facts);
      assert.equal(plan.serviceName, service);
      assert.deepEqual(plan.reload, reload);
      assert.deepEqual(plan.restart, restart);
      assert.deepEqual(plan.validate('/etc/ssh/sshd_config'), [
        '/usr/sbin/sshd',
        '-t',
        '-f',
        '/etc/ssh/sshd_config',
      ]);
      assert.deepEqual(plan.effectiveConfig('/x'), ['/usr/sbin/sshd', '-T', '-f', '/x']);
    });
  }

  it('under socket activation, only a listen change restarts ssh.socket', () => {
    const plan = restartPlan({ id: 'ubuntu', versionId: '22.10', initSystem: 'systemd' });
    assert.deepEqual(plan.onListenChange, [
      run('systemctl', 'daemon-reload'),
      run('systemctl', 'restart', 'ssh.socket'),
    ]);
    assert.deepEqual(
      restartPlan({ id: 'ubuntu', versionId: '22.04', initSystem: 'systemd' }).onListenChange,
      [],
    );
  });

  it('uses the sshd binary and pid file it is given', () => {
    const plan = restartPlan(
      { id: 'arch', initSystem: 'none', sshdPath: '/usr/bin/sshd' },
      '/var/run/sshd.pid',
    );
    assert.deepEqual(plan.validate('/c'), ['/usr/bin/sshd', '-t', '-f', '/c']);
    assert.deepEqual(plan.reload, [{ kind: 'signal', pidFile: '/var/run/sshd.pid', signal: 'SIGHUP' }]);
  });

  it('classifies families and compares versions numerically', () => {
    assert.equal(distroFamily({ id: 'almalinux' }), 'rhel');
    assert.equal(distroFamily({ id: 'weird', idLike: ['arch'] }), 'arch');
    assert.equal(distroFamily({ id: 'gentoo' }), 'unknown');
    assert.ok(versionAtLeast('22.10', '22.4'));
    assert.ok(!versionAtLeast('22.04', '22.10'));
    assert.ok(versionAtLeast('24.04', '22.10'));
    assert.ok(!versionAtLeast(undefined, '1'));
  });
});
