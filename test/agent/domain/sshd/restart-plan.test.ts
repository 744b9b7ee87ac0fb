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
    // The hosts test/e2e/installer boots (docs/agent.md's matrix), with the facts os-facts.ts read there.
    [
      'Debian 11 (systemd; ssh.service and its sshd.service alias)',
      {
        id: 'debian',
        versionId: '11',
        initSystem: 'systemd',
        units: ['ssh.service', 'ssh.socket', 'sshd.service'],
        sshSocketEnabled: false,
      },
      'ssh',
      [run('systemctl', 'reload', 'ssh')],
      [run('systemctl', 'reset-failed', 'ssh'), run('systemctl', 'restart', 'ssh')],
    ],
    [
      'Debian 12 whose only OpenSSH unit is sshd.service',
      { id: 'debian', versionId: '12', initSystem: 'systemd', units: ['sshd.service'] },
      'sshd',
      [run('systemctl', 'reload', 'sshd')],
      [run('systemctl', 'reset-failed', 'sshd'), run('systemctl', 'restart', 'sshd')],
    ],
    [
      'Debian 12 booted with sysvinit-core (/etc/init.d/ssh)',
      { id: 'debian', versionId: '12', initSystem: 'sysvinit', initScripts: ['ssh'] },
      'ssh',
      [run('service', 'ssh', 'reload')],
      [run('service', 'ssh', 'restart')],
    ],
    [
      'Debian 12 with OpenRC (/etc/init.d/ssh, an LSB script OpenRC runs)',
      { id: 'debian', versionId: '12', initSystem: 'openrc', initScripts: ['ssh'] },
      'ssh',
      [run('rc-service', 'ssh', 'reload')],
      [run('rc-service', 'ssh', 'restart')],
    ],
    [
      'a Debian derivative under SysV init whose script is /etc/init.d/sshd',
      { id: 'debian', versionId: '12', initSystem: 'sysvinit', initScripts: ['sshd'] },
      'sshd',
      [run('service', 'sshd', 'reload')],
      [run('service', 'sshd', 'restart')],
    ],
    [
      'Alpine (OpenRC) with /etc/init.d/sshd',
      { id: 'alpine', versionId: '3.20.1', initSystem: 'openrc', initScripts: ['sshd'] },
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

  it('init scripts decide the name only without systemd, and units only under systemd', () => {
    // A stray /etc/init.d/sshd on a systemd host does not rename Debian's ssh.service…
    assert.equal(
      restartPlan({ id: 'debian', initSystem: 'systemd', units: ['ssh.service'], initScripts: ['sshd'] })
        .serviceName,
      'ssh',
    );
    // …and units listed for a SysV host (there are none) do not override its scripts.
    assert.equal(
      restartPlan({ id: 'centos', initSystem: 'sysvinit', units: ['ssh.service'], initScripts: ['sshd'] })
        .serviceName,
      'sshd',
    );
    // Both or neither: the family's name.
    assert.equal(
      restartPlan({ id: 'debian', initSystem: 'sysvinit', initScripts: ['ssh', 'sshd'] }).serviceName,
      'ssh',
    );
    assert.equal(restartPlan({ id: 'centos', initSystem: 'openrc', initScripts: [] }).serviceName, 'sshd');
    // No service manager: a SIGHUP, whatever scripts lie around.
    assert.deepEqual(restartPlan({ id: 'debian', initSystem: 'none', initScripts: ['sshd'] }).restart, []);
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
