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
// debootstraps: about a minute more).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { encodeAuditorKey, generateHpkeKeyPair, readSessionLog } from '@latchkey/shared';
import { createTempDir, generateKeyWithSshKeygen, runCommand } from '../../harness/index.js';
import type { TempDir } from '../../harness/index.js';
import { getJson, postJson, signInBuiltIn } from '../../server/sign-in/sign-in-client.js';
import { runServerCommand, startServerProcess } from '../server/server-process.js';
import type { Json, ServerProcess } from '../server/server-process.js';
import { bootHost, pristineDebianRoot, readHostFile } from './nspawn-host.js';
import type { NspawnHost } from './nspawn-host.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const BUILT_PACKAGE = `${REPO}dist/latchkey-agent-linux-x64.tar.gz`;
const EMAIL = 'alice@corp.example';
const PASSWORD = 'alice password 42';
const TARGET = 'lk-installed';
const DROP_IN = '/etc/ssh/sshd_config.d/00-latchkey.conf';
/** The agent's SSH front: its default --front-listen, 0.0.0.0:3022, as the unit runs it. */
const FRONT_PORT = 3022;
const STATE = '/var/lib/latchkey-agent';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const progress = (line: string) => process.stderr.write(`      [installer e2e] ${line}\n`);

async function which(command: string): Promise<boolean> {
  return (await runCommand('sh', ['-c', `command -v ${command}`])).code === 0;
}

describe('e2e: the one-line installer on a fresh Debian host booted with systemd (systemd-nspawn)', function () {
  this.timeout(600_000);
  let pristine: string;
  let dir: TempDir;
  let server: ServerProcess | undefined;
  let host: NspawnHost | undefined;
  let adminToken: string;
  let base: string;
  let keyFile: string;
  let publicKey: string;
  let caPublicKey: string;
  /** This run's copy of the package: a rebuild in the checkout meanwhile must not change what is served. */
  let packageFile: string;

  before(async function () {
    const missing: string[] = [];
    for (const tool of ['debootstrap', 'systemd-nspawn', 'nsenter', 'ip'])
      if (!(await which(tool))) missing.push(tool);
    if (missing.length > 0 || process.getuid?.() !== 0) {
      const why = `needs root and ${missing.join(', ') || 'nothing else'} (apt-get install debootstrap systemd-container)`;
      if (process.env.CI === 'true') throw new Error(`installer e2e: ${why}`);
      progress(`skipped: ${why}`);
      this.skip();
    }
    progress('building the agent package (cached by input hash)');
    const built = await runCommand(process.execPath, [`${REPO}scripts/package-agent.mjs`], {
      timeoutMs: 600_000,
    });
    assert.equal(built.code, 0, `${built.stdout}\n${built.stderr}`);
    progress(built.stdout.trim().split('\n').at(-1) ?? '');
    pristine = pristineDebianRoot();
    dir = await createTempDir('installer-e2e');
    packageFile = dir.file('latchkey-agent-linux-x64.tar.gz');
    await copyFile(BUILT_PACKAGE, packageFile);
    keyFile = dir.file('id_ed25519');
    publicKey = (await generateKeyWithSshKeygen(keyFile)).publicKey;
  });

  after(async () => {
    await dir?.remove();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && host !== undefined) {
      const journal = await host.exec([
        'journalctl',
        '-u',
        'latchkey-agent',
        '-u',
        'ssh',
        '-n',
        '60',
        '--no-pager',
      ]);
      progress(`the container's journal:\n${journal.stdout}`);
      if (server !== undefined) progress(`the server said:\n${server.output().slice(-3000)}`);
    }
    await server?.stop();
    await host?.stop();
    server = undefined;
    host = undefined;
  });

  async function admin(method: string, path: string, body?: unknown): Promise<Json> {
    const response = await fetch(`${server!.url}${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${adminToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const answer = (await response.json()) as Json;
    assert.ok(response.status < 300, `${method} ${path}: ${JSON.stringify(answer)}`);
    return answer.result;
  }

  /** A fresh host and a server on the veth pair, with a CA, a user allowed in as `alice`, and a join token. */
  async function freshHostAndServer(label: string): Promise<{ host: NspawnHost; joinToken: string }> {
    host = await bootHost(pristine, label);
    const dataDir = dir.file(`server-${label}`);
    server = await startServerProcess([
      '--data-dir',
      dataDir,
      '--listen',
      `${host.hostAddress}:0`,
      '--allow-insecure-http',
      '--agent-package',
      packageFile,
    ]);
    const added = await runServerCommand(
      ['user', 'add', EMAIL, '--group', 'sre', '--data-dir', dataDir],
      60_000,
      `${PASSWORD}\n`,
    );
    assert.equal(added.code, 0, added.stderr);
    adminToken = (await readFile(`${dataDir}/admin.token`, 'utf8')).trim();
    base = '';
    const accounts = await admin('GET', '/client/v4/accounts');
    base = `/client/v4/accounts/${accounts[0].id}`;
    caPublicKey = (await admin('POST', '/access/gateway_ca')).public_key as string;
    await admin('POST', '/access/apps', {
      name: 'installed host over ssh',
      type: 'infrastructure',
      target_criteria: [{ target_attributes: { hostname: [TARGET] }, port: 22, protocol: 'SSH' }],
      policies: [
        {
          name: 'alice',
          decision: 'allow',
          include: [{ email: { email: EMAIL } }],
          connection_rules: { ssh: { usernames: ['alice'] } },
        },
      ],
    });
    await host.must(['useradd', '--create-home', '--shell', '/bin/bash', 'alice']);
    const joinToken = (await admin('POST', '/latchkey/join_tokens', { name: label })).token as string;
    return { host, joinToken };
  }

  /**
   * The install line, as `latchkey admin join-token create` prints it but run by root: the server is on
   * the test's own veth pair over plain http, which the installer refuses beyond loopback unless told
   * `--allow-insecure-http` (added here unless `secureOnly`).
   */
  function runInstaller(
    target: NspawnHost,
    args: string,
    env: Record<string, string> = {},
    secureOnly = false,
  ) {
    const insecure = secureOnly ? '' : ' --allow-insecure-http';
    return target.exec(
      ['bash', '-c', `set -o pipefail; curl -fsSL ${server!.url}/install.sh | bash -s -- ${args}${insecure}`],
      {
        timeoutMs: 240_000,
        env,
      },
    );
  }

  async function sshdFiles(target: NspawnHost): Promise<Record<string, string | null>> {
    const files: Record<string, string | null> = {};
    for (const path of ['/etc/ssh/sshd_config', '/etc/ssh/ca.pub', DROP_IN]) {
      files[path] = existsSync(`${target.root}${path}`) ? await readHostFile(target, path) : null;
    }
    return files;
  }

  /** ssh.service's state once it is no longer on its way somewhere (at most 30 s). */
  async function sshState(target: NspawnHost): Promise<string> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const state = (await target.exec(['systemctl', 'is-active', 'ssh'])).stdout.trim();
      if (!['activating', 'deactivating', 'reloading'].includes(state) || Date.now() > deadline) return state;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** The target as alice's target list shows it, once its agent has reported its front (at most 60 s). */
  async function listedFront(targetId: string): Promise<{ port: number; hostKey: string }> {
    const tokens = await signInBuiltIn(server!.url, EMAIL, PASSWORD);
    for (const started = Date.now(); ; await sleep(500)) {
      const answer = await getJson(server!.url, '/v1/me/targets', tokens.access_token);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      const entry = (answer.body.result as Json[]).find((listed) => listed.id === targetId);
      if (entry?.front !== undefined) {
        assert.equal(entry.port, entry.front.port, 'the listed port is the front, not sshd');
        return { port: entry.front.port as number, hostKey: entry.front.host_key as string };
      }
      assert.ok(
        Date.now() - started < 60_000,
        `the target's front is not listed within 60 s: ${JSON.stringify(answer.body)}`,
      );
    }
  }

  /** A certificate from the server for alice (bound to the target: the front is listed for it). */
  async function certificateFor(targetId: string): Promise<{ file: string; result: Json }> {
    const tokens = await signInBuiltIn(server!.url, EMAIL, PASSWORD);
    const issued = await postJson(server!.url, '/v1/me/certificates', tokens.access_token, {
      target_id: targetId,
      username: 'alice',
      public_key: publicKey,
    });
    assert.equal(issued.status, 200, JSON.stringify(issued.body));
    const file = dir.file(`cert-${Date.now()}-cert.pub`);
    await writeFile(file, `${issued.body.result.certificate}\n`);
    return { file, result: issued.body.result };
  }

  /** OpenSSH as alice, holding the server to the one host key in `knownHosts` (no trust on first use). */
  async function ssh(
    address: string,
    port: number,
    certificateFile: string,
    knownHosts: string,
    command: string,
  ) {
    const knownHostsFile = dir.file(`known_hosts-${Date.now()}`);
    await writeFile(knownHostsFile, `${knownHosts}\n`);
    return runCommand(
      'ssh',
      [
        ...['-F', '/dev/null', '-i', keyFile, '-o', `CertificateFile=${certificateFile}`],
        ...['-o', 'IdentitiesOnly=yes', '-o', 'IdentityAgent=none', '-o', 'BatchMode=yes'],
        ...['-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${knownHostsFile}`],
        ...['-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'ConnectTimeout=10'],
        ...['-p', String(port), `alice@${address}`, command],
      ],
      { timeoutMs: 30_000 },
    );
  }

  /**
   * A login as a person makes it: the target's front from alice's target list (port and host key), a
   * certificate from the server, ssh to the front with exactly that host key.
   */
  async function frontLogin(
    target: NspawnHost,
    targetId: string,
    command = 'id -un; echo "$SSH_CONNECTION"; echo "forced=${SSH_ORIGINAL_COMMAND-none}"',
  ) {
    const front = await listedFront(targetId);
    assert.equal(front.port, FRONT_PORT);
    const certificate = await certificateFor(targetId);
    // The certificate answer names the same front: a client needs nothing else to connect.
    assert.equal(certificate.result.target.port, FRONT_PORT);
    assert.equal(certificate.result.target.host_key, front.hostKey);
    const result = await ssh(
      target.address,
      FRONT_PORT,
      certificate.file,
      `[${target.address}]:${FRONT_PORT} ${front.hostKey}`,
      command,
    );
    return { ...result, sessionId: certificate.result.session_id as string };
  }

  /** TCP listeners on `port` in the container's network namespace (/proc/net/tcp{,6}: it has no ss). */
  async function listeners(target: NspawnHost, port: number): Promise<string[]> {
    const tables = await target.must(['cat', '/proc/net/tcp', '/proc/net/tcp6']);
    const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
    return tables
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter((fields) => fields[1]?.endsWith(`:${hexPort}`) && fields[3] === '0A')
      .map((fields) => fields[1]!);
  }

  /** Whether a TCP connection from this host to the container's `port` is refused. */
  function refusesTcp(target: NspawnHost, port: number): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = connect({ host: target.address, port, timeout: 5_000 });
      socket.once('connect', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('timeout', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
    });
  }

  /** `ssh-keygen -y` of a private key file of the container (read here, as root): its public key blob. */
  async function publicBlobOf(target: NspawnHost, path: string): Promise<string> {
    const derived = await runCommand('ssh-keygen', ['-y', '-f', `${target.root}${path}`]);
    assert.equal(derived.code, 0, derived.stderr);
    return derived.stdout.trim().split(/\s+/)[1]!;
  }

  it('installs, enrols and starts the agent; logins go through its front on 3022 and never straight to sshd; a rerun is harmless; --uninstall restores sshd byte for byte', async () => {
    const { host: target, joinToken } = await freshHostAndServer('lk-inst-a');
    const before = await sshdFiles(target);

    // What the installer trusts: https, or plain http only on loopback or when told; the pinned digest.
    const plainHttp = await runInstaller(target, `--token ${joinToken} --hostname ${TARGET}`, {}, true);
    assert.notEqual(plainHttp.code, 0, plainHttp.stdout);
    assert.match(plainHttp.stderr, /refusing http:\/\/\S+: over plain http .*--allow-insecure-http/);
    const wrongPin = await runInstaller(target, `--token ${joinToken} --sha256 ${'0'.repeat(64)}`);
    assert.notEqual(wrongPin.code, 0, wrongPin.stdout);
    assert.match(wrongPin.stderr, /but the install line pins 0{64}: not installing it/);
    const malformedPin = await runInstaller(target, `--token ${joinToken} --sha256 abc`);
    assert.match(malformedPin.stderr, /--sha256 must be 64 hex digits/);
    assert.ok(!existsSync(`${target.root}/opt/latchkey-agent/current`), 'a refused install installs nothing');
    assert.ok(!existsSync(`${target.root}/var/lib/latchkey-agent/enrolment.json`), 'nor enrols');

    progress('curl -fsSL SERVER/install.sh | bash -s -- --token T --sha256 DIGEST (inside the container)');
    const packageSha256 = (await runCommand('sha256sum', [packageFile])).stdout.split(' ')[0]!;
    const first = await runInstaller(
      target,
      `--token ${joinToken} --hostname ${TARGET} --sha256 ${packageSha256}`,
    );
    assert.equal(first.code, 0, `${first.stdout}\n${first.stderr}`);
    assert.match(first.stdout, new RegExp(`sha256 verified against the pinned digest: ${packageSha256}`));
    assert.match(first.stdout, /sshd trusts the agent's CA/);
    assert.match(first.stdout, /the SSH front listens on 0\.0\.0\.0:3022: .*open TCP port 3022/);

    assert.equal((await target.exec(['systemctl', 'is-enabled', 'latchkey-agent'])).stdout.trim(), 'enabled');
    assert.equal((await target.exec(['systemctl', 'is-active', 'latchkey-agent'])).stdout.trim(), 'active');
    const targets = await admin('GET', `/infrastructure/targets?hostname=${TARGET}`);
    assert.equal(targets.length, 1, JSON.stringify(targets));
    assert.equal(targets[0].ip.ipv4.ip_addr, target.address);

    // sshd trusts the agent's host-local CA (the front's one-minute certificates), not the account's.
    const effective = await target.must(['sshd', '-T']);
    assert.match(effective, /^trustedusercakeys \/etc\/ssh\/ca\.pub$/m);
    const caPub = await readHostFile(target, '/etc/ssh/ca.pub');
    assert.ok(caPub.includes(await publicBlobOf(target, `${STATE}/front/host_ca_ed25519_key`)), caPub);
    assert.ok(!caPub.includes(caPublicKey.trim().split(' ')[1]!), "the account CA is not in sshd's ca.pub");
    // The front's keys are root's alone.
    const modes = await target.must([
      'stat',
      '-c',
      '%n %a %U:%G',
      STATE,
      `${STATE}/front`,
      `${STATE}/front/ssh_host_ed25519_key`,
      `${STATE}/front/host_ca_ed25519_key`,
      `${STATE}/spool`,
    ]);
    assert.deepEqual(modes.trim().split('\n'), [
      `${STATE} 700 root:root`,
      `${STATE}/front 700 root:root`,
      `${STATE}/front/ssh_host_ed25519_key 600 root:root`,
      `${STATE}/front/host_ca_ed25519_key 600 root:root`,
      `${STATE}/spool 700 root:root`,
    ]);
    assert.deepEqual(
      await listeners(target, FRONT_PORT),
      ['00000000:0BCE'],
      'the front listens on 0.0.0.0:3022',
    );
    // latchkey-agent is on root's PATH (status, break-glass), through current/.
    assert.equal(
      (await target.must(['readlink', '-f', '/usr/local/bin/latchkey-agent'])).trim(),
      (await target.must(['readlink', '-f', '/opt/latchkey-agent/current'])).trim() + '/bin/latchkey-agent',
    );
    assert.match(await target.must(['latchkey-agent', 'status']), /"enrolled": true/);

    progress("a certificate login through the agent's front on port 3022");
    const front = await listedFront(targets[0].id);
    // The host key the server lists is the front's own (its public half, reported by the agent).
    assert.equal(
      front.hostKey.split(' ')[1],
      await publicBlobOf(target, `${STATE}/front/ssh_host_ed25519_key`),
    );
    const login = await frontLogin(target, targets[0].id);
    assert.equal(login.code, 0, login.stderr);
    const [user, connection, forced] = login.stdout.trim().split('\n');
    assert.equal(user, 'alice');
    // sshd saw the front's loopback connection (not alice's), and no command was forced.
    assert.match(connection ?? '', /^127\.0\.0\.1 \d+ 127\.0\.0\.1 22$/);
    assert.equal(forced, 'forced=none');

    progress('the same certificate straight to ssh.service on port 22: refused');
    const certificate = await certificateFor(targets[0].id);
    const sshdHostKey = (await readHostFile(target, '/etc/ssh/ssh_host_ed25519_key.pub')).trim();
    const direct = await ssh(
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
    const otherKey = (await generateKeyWithSshKeygen(dir.file(`other-${Date.now()}`))).publicKey;
    const impostor = await ssh(
      target.address,
      FRONT_PORT,
      certificate.file,
      `[${target.address}]:${FRONT_PORT} ${otherKey.trim()}`,
      'id -un',
    );
    assert.equal(impostor.code, 255, impostor.stdout);
    assert.match(impostor.stderr, /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/);

    progress('the installer again, over a release someone changed');
    const afterFirst = await sshdFiles(target);
    // A file of the unpacked release changed since (another build under the same version, or a tamper):
    // the pinned rerun puts the package's own back instead of reusing it.
    const launcher = `${target.root}/opt/latchkey-agent/current/bin/latchkey-agent`;
    const pristineLauncher = await readFile(launcher, 'utf8');
    await writeFile(launcher, `${pristineLauncher}\n# changed after the install\n`);
    const second = await runInstaller(target, `--token ${joinToken} --sha256 ${packageSha256}`);
    assert.equal(second.code, 0, `${second.stdout}\n${second.stderr}`);
    assert.match(second.stdout, /already enrolled/);
    assert.match(second.stdout, /replaced \S+: what was there did not match the package/);
    assert.equal(await readFile(launcher, 'utf8'), pristineLauncher);
    const third = await runInstaller(target, `--token ${joinToken} --sha256 ${packageSha256}`);
    assert.equal(third.code, 0, `${third.stdout}\n${third.stderr}`);
    assert.match(third.stdout, /already unpacked \(and matches the package\)/);
    assert.equal((await target.exec(['systemctl', 'is-active', 'latchkey-agent'])).stdout.trim(), 'active');
    assert.equal((await admin('GET', `/infrastructure/targets?hostname=${TARGET}`)).length, 1);
    assert.deepEqual(await sshdFiles(target), afterFirst);
    // The front keeps its host key across the restart: clients that know it still get in.
    assert.deepEqual(await listedFront(targets[0].id), front);
    const again = await frontLogin(target, targets[0].id, 'id -un');
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, 'alice\n');

    progress('--uninstall');
    const removed = await runInstaller(target, '--uninstall');
    assert.equal(removed.code, 0, `${removed.stdout}\n${removed.stderr}`);
    assert.deepEqual(await sshdFiles(target), before, "sshd's files are as they were before the install");
    for (const path of [
      '/etc/systemd/system/latchkey-agent.service',
      '/opt/latchkey-agent',
      '/usr/local/bin/latchkey-agent',
      '/var/lib/latchkey-agent',
    ]) {
      assert.ok(!existsSync(`${target.root}${path}`), `${path} is removed`);
    }
    assert.notEqual((await target.exec(['systemctl', 'is-enabled', 'latchkey-agent'])).code, 0);
    assert.equal((await target.exec(['systemctl', 'is-active', 'ssh'])).stdout.trim(), 'active');
    assert.doesNotMatch(await target.must(['sshd', '-T']), /^trustedusercakeys \/etc\/ssh\/ca\.pub$/m);
    // Nothing is left on the front's port.
    assert.deepEqual(await listeners(target, FRONT_PORT), [], 'nothing listens on 3022');
    assert.ok(await refusesTcp(target, FRONT_PORT), 'a connection to 3022 is refused');
  });

  it('records sessions on the installed host: the sealed log reaches the server and opens only with the auditor key', async () => {
    const { host: target, joinToken } = await freshHostAndServer('lk-inst-r');
    const auditor = generateHpkeKeyPair();
    await admin('PUT', '/gateway/audit_ssh_settings', { public_key: encodeAuditorKey(auditor.publicKey) });
    const installed = await runInstaller(target, `--token ${joinToken} --hostname ${TARGET}`);
    assert.equal(installed.code, 0, `${installed.stdout}\n${installed.stderr}`);
    // The agent fetches the recording settings on each cycle, the first at its start.
    const settings = `${target.root}/var/lib/latchkey-agent/recording.json`;
    for (let waited = 0; !existsSync(settings); waited += 250) {
      assert.ok(waited < 60_000, 'recording.json did not appear within 60 s');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const [registered] = await admin('GET', `/infrastructure/targets?hostname=${TARGET}`);

    progress("a recorded session on the installed host (the agent's front records it)");
    const session = await frontLogin(target, registered.id, 'echo recorded-$((6*7)); id -un');
    assert.equal(session.code, 0, session.stderr);
    assert.equal(session.stdout, 'recorded-42\nalice\n');

    // The front wrote the log into the agent's root-only spool; the agent uploads it.
    let listed: Json[] = [];
    for (let waited = 0; listed.length === 0; waited += 500) {
      listed = (await admin('GET', `/ssh_logs?session_id=${session.sessionId}`)).filter(
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
    const download = await fetch(`${server!.url}${base}/ssh_logs/${entry.id}/file`, {
      headers: { authorization: `Bearer ${adminToken}` },
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
    const { host: target, joinToken } = await freshHostAndServer('lk-inst-b');
    // An ssh.service that refuses to (re)start or reload while Latchkey's drop-in is there.
    const refuse = `/bin/sh -c 'test ! -e ${DROP_IN}'`;
    await target.must(['mkdir', '-p', '/etc/systemd/system/ssh.service.d']);
    await target.must(['sh', '-c', `cat > /etc/systemd/system/ssh.service.d/refuse-latchkey.conf`], {
      input: `[Service]\nExecStartPre=${refuse}\nExecReload=\nExecReload=${refuse}\nExecReload=/bin/kill -HUP $MAINPID\n`,
    });
    await target.must(['systemctl', 'daemon-reload']);
    const before = await sshdFiles(target);

    // Offline this time: the package is already on the host (the server is still asked for the enrolment).
    await copyFile(packageFile, `${target.root}/root/agent.tar.gz`);
    const result = await runInstaller(
      target,
      `--package /root/agent.tar.gz --token ${joinToken} --hostname ${TARGET}`,
      { LATCHKEY_INSTALL_WAIT_SECONDS: '30' },
    );
    assert.match(result.stdout, /installing from \/root\/agent\.tar\.gz/);
    assert.doesNotMatch(result.stdout, /downloading/);
    assert.notEqual(result.code, 0, result.stdout);
    assert.match(result.stderr, /sshd does not trust the CA after 30s/);

    // The agent may be mid-rollback (restarting ssh.service) when asked to stop: it finishes that first,
    // which on a loaded machine can take longer than a minute (systemd's own limit is 90 s).
    await target.must(['systemctl', 'stop', 'latchkey-agent'], { timeoutMs: 150_000 });
    assert.deepEqual(await sshdFiles(target), before, "sshd's files are rolled back byte for byte");
    // sshd is back (a restart systemd scheduled on its own may still be under way for a moment).
    assert.equal(await sshState(target), 'active');
    const journal = await target.must(['journalctl', '-u', 'latchkey-agent', '--no-pager']);
    // Refused by the service manager (not by anything else on the way): activation failed, rolled back.
    assert.match(journal, /rolled back at activate/);
  });
});
