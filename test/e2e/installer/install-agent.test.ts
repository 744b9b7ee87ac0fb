// The one-line installer on a fresh Debian host, for real: a minbase bookworm root (debootstrap, cached)
// booted with systemd as PID 1 in systemd-nspawn, a real access server process serving /install.sh and the
// agent package (npm run package:agent, cached) on a veth pair whose addresses the test assigns, and inside
// the container exactly what an admin types:
//
//   curl -fsSL http://SERVER/install.sh | bash -s -- --token T
//
// Then: the unit is enabled and active, the target is registered, `sshd -T` shows the trusted CA (the
// agent's host-local CA, not the account's), a certificate from the server logs in through the agent's
// SSH front on port 3022 (held to the host key the server lists for the target, never trusted on first
// use) and from there into the distro's own ssh.service over loopback, while the same certificate is
// refused by ssh.service on port 22; the front's keys are root's alone; a second run is harmless;
// --uninstall puts sshd's files back byte for byte, removes the unit and leaves nothing on port 3022; a
// recorded session reaches the server sealed to the auditor's key; and an sshd that cannot take the new
// config is rolled back, with the installer failing clearly. A few minutes in all (the first run also
// debootstraps: about a minute more). The steps are installer-world.ts's, which host-matrix.test.ts runs on
// the other host kinds (Debian 11 and 13, SysV init, OpenRC, an sshd.service unit).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { encodeAuditorKey, generateHpkeKeyPair, readSessionLog } from '@latchkey/shared';
import { generateKeyWithSshKeygen } from '../../harness/index.js';
import type { Json } from '../server/server-process.js';
import { hostKind } from './host-kinds.js';
import {
  FRONT_PORT,
  InstallerWorld,
  STATE,
  TARGET,
  EMAIL,
  commandsRan,
  initOps,
  installAndCheck,
  loginThroughFront,
  needInstallerPrerequisites,
  progress,
  refusedRestartRollsBack,
  uninstallAndCheck,
} from './installer-world.js';
import { pristineDebianRoot, readHostFile } from './nspawn-host.js';

const KIND = hostKind('debian12-systemd');
const ops = initOps(KIND);

describe('e2e: the one-line installer on a fresh Debian host booted with systemd (systemd-nspawn)', function () {
  this.timeout(600_000);
  let pristine: string;
  const world = new InstallerWorld();

  before(async function () {
    await needInstallerPrerequisites(this);
    pristine = pristineDebianRoot();
    await world.setUp();
  });

  after(async () => {
    await world.tearDown();
  });

  afterEach(async function () {
    await world.afterEach(this.currentTest?.state === 'failed', ops);
  });

  it('installs, enrols and starts the agent; logins go through its front on 3022 and never straight to sshd; a rerun is harmless; --uninstall restores sshd byte for byte', async () => {
    const { host: target, joinToken } = await world.freshHostAndServer(pristine, 'lk-inst-a', KIND);
    const before = await world.sshdFiles(target);

    // What the installer trusts: https, or plain http only on loopback or when told; the pinned digest.
    const plainHttp = await world.runInstaller(target, `--token ${joinToken} --hostname ${TARGET}`, {}, true);
    assert.notEqual(plainHttp.code, 0, plainHttp.stdout);
    assert.match(plainHttp.stderr, /refusing http:\/\/\S+: over plain http .*--allow-insecure-http/);
    const wrongPin = await world.runInstaller(target, `--token ${joinToken} --sha256 ${'0'.repeat(64)}`);
    assert.notEqual(wrongPin.code, 0, wrongPin.stdout);
    assert.match(wrongPin.stderr, /but the install line pins 0{64}: not installing it/);
    const malformedPin = await world.runInstaller(target, `--token ${joinToken} --sha256 abc`);
    assert.match(malformedPin.stderr, /--sha256 must be 64 hex digits/);
    assert.ok(!existsSync(`${target.root}/opt/latchkey-agent/current`), 'a refused install installs nothing');
    assert.ok(!existsSync(`${target.root}/var/lib/latchkey-agent/enrolment.json`), 'nor enrols');

    const { targetId, packageSha256 } = await installAndCheck(world, target, ops, joinToken);
    // The command the agent reloaded sshd with (docs/agent.md's matrix).
    assert.ok(commandsRan(await ops.agentLog(target)).includes('systemctl reload ssh'));
    const front = await loginThroughFront(world, target, targetId);

    progress('the same certificate straight to ssh.service on port 22: refused');
    const certificate = await world.certificateFor(targetId);
    const sshdHostKey = (await readHostFile(target, '/etc/ssh/ssh_host_ed25519_key.pub')).trim();
    const direct = await world.ssh(
      target.address,
      22,
      certificate.file,
      `${target.address} ${sshdHostKey}`,
      'id -un',
    );
    assert.equal(direct.code, 255, `${direct.stdout}\n${direct.stderr}`);
    assert.match(direct.stderr, /Permission denied \(publickey/);
    assert.doesNotMatch(direct.stderr, /Host key verification failed/);
    // A host key other than the listed one is refused by the client: no trust on first use.
    const otherKey = (await generateKeyWithSshKeygen(world.dir.file(`other-${Date.now()}`))).publicKey;
    const impostor = await world.ssh(
      target.address,
      FRONT_PORT,
      certificate.file,
      `[${target.address}]:${FRONT_PORT} ${otherKey.trim()}`,
      'id -un',
    );
    assert.equal(impostor.code, 255, impostor.stdout);
    assert.match(impostor.stderr, /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/);

    progress('the installer again, over a release someone changed');
    const afterFirst = await world.sshdFiles(target);
    // A file of the unpacked release changed since (another build under the same version, or a tamper):
    // the pinned rerun puts the package's own back instead of reusing it.
    const launcher = `${target.root}/opt/latchkey-agent/current/bin/latchkey-agent`;
    const pristineLauncher = await readFile(launcher, 'utf8');
    await writeFile(launcher, `${pristineLauncher}\n# changed after the install\n`);
    const second = await world.runInstaller(target, `--token ${joinToken} --sha256 ${packageSha256}`);
    assert.equal(second.code, 0, `${second.stdout}\n${second.stderr}`);
    assert.match(second.stdout, /already enrolled/);
    assert.match(second.stdout, /replaced \S+: what was there did not match the package/);
    assert.equal(await readFile(launcher, 'utf8'), pristineLauncher);
    const third = await world.runInstaller(target, `--token ${joinToken} --sha256 ${packageSha256}`);
    assert.equal(third.code, 0, `${third.stdout}\n${third.stderr}`);
    assert.match(third.stdout, /already unpacked \(and matches the package\)/);
    assert.ok(await ops.agentActive(target));
    assert.equal((await world.admin('GET', `/infrastructure/targets?hostname=${TARGET}`)).length, 1);
    assert.deepEqual(await world.sshdFiles(target), afterFirst);
    // The front keeps its host key across the restart: clients that know it still get in.
    assert.deepEqual(await world.listedFront(targetId), front);
    const again = await world.frontLogin(target, targetId, 'id -un');
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, 'alice\n');

    await uninstallAndCheck(world, target, ops, before);
  });

  it('records sessions on the installed host: the sealed log reaches the server and opens only with the auditor key', async () => {
    const { host: target, joinToken } = await world.freshHostAndServer(pristine, 'lk-inst-r', KIND);
    const auditor = generateHpkeKeyPair();
    await world.admin('PUT', '/gateway/audit_ssh_settings', {
      public_key: encodeAuditorKey(auditor.publicKey),
    });
    const installed = await world.runInstaller(target, `--token ${joinToken} --hostname ${TARGET}`);
    assert.equal(installed.code, 0, `${installed.stdout}\n${installed.stderr}`);
    // The agent fetches the recording settings on each cycle, the first at its start.
    const settings = `${target.root}/var/lib/latchkey-agent/recording.json`;
    for (let waited = 0; !existsSync(settings); waited += 250) {
      assert.ok(waited < 60_000, 'recording.json did not appear within 60 s');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const [registered] = await world.admin('GET', `/infrastructure/targets?hostname=${TARGET}`);

    progress("a recorded session on the installed host (the agent's front records it)");
    const session = await world.frontLogin(target, registered.id, 'echo recorded-$((6*7)); id -un');
    assert.equal(session.code, 0, session.stderr);
    assert.equal(session.stdout, 'recorded-42\nalice\n');

    // The front wrote the log into the agent's root-only spool; the agent uploads it.
    let listed: Json[] = [];
    for (let waited = 0; listed.length === 0; waited += 500) {
      listed = (await world.admin('GET', `/ssh_logs?session_id=${session.sessionId}`)).filter(
        (log: Json) => log.status === 'complete',
      );
      if (listed.length === 0) {
        assert.ok(waited < 90_000, 'the session log did not reach the server within 90 s');
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
    assert.equal(listed.length, 1, JSON.stringify(listed));
    const [entry] = listed;
    assert.equal(entry.session_id, session.sessionId);
    assert.equal(entry.username, 'alice');
    assert.equal(entry.user_email, EMAIL);
    assert.equal(entry.target_id, registered.id);
    assert.equal(entry.program_type, 'exec');
    const download = await fetch(`${world.server!.url}${world.base}/ssh_logs/${entry.id}/file`, {
      headers: { authorization: `Bearer ${world.adminToken}` },
    });
    assert.equal(download.status, 200);
    const file = new Uint8Array(await download.arrayBuffer());
    const log = readSessionLog(file, auditor.privateKey);
    assert.equal(log.integrity.status, 'verified', log.integrity.problems.join('; '));
    assert.equal(log.integrity.identity?.principal, 'alice');
    assert.equal(log.integrity.identity?.user_email, EMAIL);
    assert.equal(log.integrity.identity?.command, 'echo recorded-$((6*7)); id -un');
    const output = Buffer.concat(
      log.packets.filter((packet) => packet.source === 1).map((packet) => packet.data),
    );
    assert.match(output.toString(), /recorded-42/);
    // Another key opens nothing.
    assert.throws(() => readSessionLog(file, generateHpkeKeyPair().privateKey), /decrypt|authenticate/i);
    // What the front keeps stays root's: its keys and the spool (no user process reads either).
    const modes = await target.must([
      'stat',
      '-c',
      '%n %a %U:%G',
      `${STATE}/front`,
      `${STATE}/front/ssh_host_ed25519_key`,
      `${STATE}/front/host_ca_ed25519_key`,
      `${STATE}/spool`,
    ]);
    assert.deepEqual(modes.trim().split('\n'), [
      `${STATE}/front 700 root:root`,
      `${STATE}/front/ssh_host_ed25519_key 600 root:root`,
      `${STATE}/front/host_ca_ed25519_key 600 root:root`,
      `${STATE}/spool 700 root:root`,
    ]);
    const stateMode = Number.parseInt((await target.must(['stat', '-c', '%a', STATE])).trim(), 8);
    assert.equal(
      stateMode & 0o066,
      0,
      `${STATE} is ${stateMode.toString(8)}: nobody but root lists or writes it`,
    );
  });

  it('offline (--package): rolls back when the distro sshd cannot take the new configuration, and the installer says so', async () => {
    const { host: target, joinToken } = await world.freshHostAndServer(pristine, 'lk-inst-b', KIND);
    await refusedRestartRollsBack(world, target, ops, joinToken);
  });
});
