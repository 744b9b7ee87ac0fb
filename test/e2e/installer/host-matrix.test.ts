// The installer and the agent on every other kind of Debian host (host-kinds.ts; issue 18): Debian 11
// (OpenSSH 8.4) and 13 (OpenSSH 10) with systemd, Debian 12 booted with SysV init (`service ssh`), Debian 12
// with OpenRC (`rc-service ssh`), and a systemd host whose OpenSSH unit is named sshd.service (the RHEL
// family's name). Each boots in systemd-nspawn from its own cached debootstrap root and runs the lean
// journey of installer-world.ts on one host: install (pinned), registered, sshd trusts the agent's CA, the
// command the agent reloaded sshd with, one login through the front, a rerun that changes nothing,
// --uninstall byte for byte, then an sshd service that refuses Latchkey's drop-in: the install fails
// clearly and the agent rolls back byte for byte. install-agent.test.ts runs every step on Debian 12 with
// systemd. About a minute and a half per host.
import assert from 'node:assert/strict';
import { HOST_KINDS, preparedRoot } from './host-kinds.js';
import {
  InstallerWorld,
  TARGET,
  commandsRan,
  initOps,
  installAndCheck,
  loginThroughFront,
  needInstallerPrerequisites,
  progress,
  refusedRestartRollsBack,
  uninstallAndCheck,
} from './installer-world.js';

/** What the agent runs to reload sshd on each kind: the observed commands are docs/agent.md's matrix. */
const RELOAD: Record<string, string> = {
  systemd: 'systemctl reload ',
  sysvinit: 'service ',
  openrc: 'rc-service ',
};

describe('e2e: the installer and the agent on each kind of Debian host (systemd-nspawn)', function () {
  this.timeout(600_000);
  const world = new InstallerWorld();

  before(async function () {
    await needInstallerPrerequisites(this);
    await world.setUp();
  });

  after(async () => {
    await world.tearDown();
  });

  for (const kind of HOST_KINDS.filter((candidate) => candidate.name !== 'debian12-systemd')) {
    const ops = initOps(kind);
    describe(kind.name, () => {
      afterEach(async function () {
        await world.afterEach(this.currentTest?.state === 'failed', ops);
      });

      it(`install, login through the front, rerun, uninstall byte for byte, refused-restart rollback (${kind.init}, ${kind.sshService})`, async () => {
        const started = Date.now();
        const pristine = preparedRoot(kind);
        const label = `lk-${kind.name.replace('debian', 'd')}`.slice(0, 30);
        const { host: target, joinToken } = await world.freshHostAndServer(pristine, label, kind);
        const version = await target.exec(['sshd', '-V']);
        assert.match(version.stderr + version.stdout, new RegExp(kind.openssh.replace('.', '\\.')));
        const before = await world.sshdFiles(target);

        const { targetId, packageSha256 } = await installAndCheck(world, target, ops, joinToken);
        const ran = commandsRan(await ops.agentLog(target));
        const reload = `${RELOAD[kind.init]}${kind.sshService}${kind.init === 'systemd' ? '' : ' reload'}`;
        progress(`${kind.name}: the agent ran ${JSON.stringify([...new Set(ran)])}`);
        assert.ok(ran.includes(reload), `the agent reloaded sshd with ${reload}: ${ran.join('; ')}`);
        await loginThroughFront(world, target, targetId);

        const afterFirst = await world.sshdFiles(target);
        const rerun = await world.runInstaller(target, `--sha256 ${packageSha256}`);
        assert.equal(rerun.code, 0, `${rerun.stdout}\n${rerun.stderr}`);
        assert.match(rerun.stdout, /already enrolled/);
        assert.ok(await ops.agentActive(target));
        assert.deepEqual(await world.sshdFiles(target), afterFirst);
        assert.equal((await world.admin('GET', `/infrastructure/targets?hostname=${TARGET}`)).length, 1);

        await uninstallAndCheck(world, target, ops, before);

        progress(`${kind.name}: an sshd service that refuses Latchkey's drop-in`);
        await refusedRestartRollsBack(world, target, ops, await world.joinToken(`${label}-2`), `${TARGET}-2`);
        const rolledBack = commandsRan(await ops.agentLog(target));
        progress(`${kind.name}: on the refusal the agent ran ${JSON.stringify([...new Set(rolledBack)])}`);
        progress(`${kind.name}: ${((Date.now() - started) / 1000).toFixed(0)} s`);
      });
    });
  }
});
