// The installer and the agent on every other kind of Debian host (host-kinds.ts; issue 18): Debian 11
// (OpenSSH 8.4) and 13 (OpenSSH 10) with systemd, Debian 12 booted with SysV init (`service ssh`), Debian 12
// with OpenRC (`rc-service ssh`), and a systemd host whose OpenSSH unit is named sshd.service (the RHEL
// family's name). Each boots in systemd-nspawn from its own cached debootstrap root and runs the lean
// journey of installer-world.ts on one host: install (pinned), registered, sshd trusts the agent's CA, the
// command the agent reloaded sshd with, one login through the front, a rerun that changes nothing,
// --uninstall byte for byte, then an sshd service that refuses Latchkey's drop-in: the install fails
// clearly and the agent rolls back byte for byte. install-agent.test.ts runs every step on Debian 12 with
// systemd. About two and a half minutes per host, two hosts at a time.
import assert from 'node:assert/strict';
import { HOST_KINDS, preparedRoot } from './host-kinds.js';
import type { HostKind } from './host-kinds.js';
import {
  InstallerWorld,
  type HostInitOps,
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

/**
 * Hosts booted at once. The journeys mostly wait (boots, installs, logins), so two side by side take about
 * half the wall time of one after the other on the 2-core CI machine; each host has its own server, veth
 * pair and root copy (bootHost numbers them), so they share nothing.
 */
const HOSTS_AT_ONCE = 2;

describe('e2e: the installer and the agent on each kind of Debian host (systemd-nspawn)', function () {
  this.timeout(900_000);
  const kinds = HOST_KINDS.filter((candidate) => candidate.name !== 'debian12-systemd');
  const journeys = new Map<string, Promise<void>>();

  before(async function () {
    await needInstallerPrerequisites(this);
    // Every journey starts here, HOSTS_AT_ONCE at a time; each `it` below waits for its own, so a failure is
    // reported against its host kind with that host's logs.
    const queue = [...kinds];
    const started = new Map<string, () => void>();
    for (const kind of kinds) {
      journeys.set(
        kind.name,
        new Promise<void>((resolve) => started.set(kind.name, resolve)).then(() => hostJourney(kind)),
      );
      // Awaited by its `it`; until then a rejection must not count as unhandled.
      journeys.get(kind.name)!.catch(() => undefined);
    }
    const worker = async () => {
      for (let kind = queue.shift(); kind !== undefined; kind = queue.shift()) {
        started.get(kind.name)!();
        await journeys.get(kind.name)!.catch(() => undefined);
      }
    };
    for (let i = 0; i < HOSTS_AT_ONCE; i++) void worker();
  });

  after(async () => {
    await Promise.allSettled(journeys.values());
  });

  for (const kind of kinds) {
    it(`${kind.name}: install, login through the front, rerun, uninstall byte for byte, refused-restart rollback (${kind.init}, ${kind.sshService})`, async () => {
      await journeys.get(kind.name);
    });
  }
});

/** One host of `kind`, from boot to the refused-restart rollback, with a world (server, keys) of its own. */
async function hostJourney(kind: HostKind): Promise<void> {
  const world = new InstallerWorld();
  const ops = initOps(kind);
  await world.setUp();
  let failed = true;
  try {
    await journeyOn(world, kind, ops);
    failed = false;
  } finally {
    await world.afterEach(failed, ops);
    await world.tearDown();
  }
}

async function journeyOn(world: InstallerWorld, kind: HostKind, ops: HostInitOps): Promise<void> {
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
}
