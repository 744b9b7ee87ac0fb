/**
 * The installer's end-to-end world and journey, shared by install-agent.test.ts (Debian 12 with systemd,
 * every step) and host-matrix.test.ts (each other host kind of host-kinds.ts, the lean journey): a host
 * booted in systemd-nspawn, a real access server process on the veth pair serving /install.sh and the
 * agent package, and inside the host what an admin types (`curl -fsSL SERVER/install.sh | bash -s -- …`).
 *
 * What differs between init systems is here and nowhere else: how the test asks whether the agent's
 * service and sshd run, how it makes sshd's service refuse Latchkey's drop-in, and where the agent logs.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createTempDir, generateKeyWithSshKeygen, runCommand } from '../../harness/index.js';
import type { TempDir } from '../../harness/index.js';
import { getJson, postJson, signInBuiltIn } from '../../server/sign-in/sign-in-client.js';
import { runServerCommand, startServerProcess } from '../server/server-process.js';
import type { Json, ServerProcess } from '../server/server-process.js';
import type { HostKind } from './host-kinds.js';
import { bootHost, readHostFile } from './nspawn-host.js';
import type { NspawnHost } from './nspawn-host.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const BUILT_PACKAGE = `${REPO}dist/latchkey-agent-linux-x64.tar.gz`;
export const EMAIL = 'alice@corp.example';
const PASSWORD = 'alice password 42';
export const TARGET = 'lk-installed';
export const DROP_IN = '/etc/ssh/sshd_config.d/00-latchkey.conf';
/** The agent's SSH front: its default --front-listen, 0.0.0.0:3022, as the service runs it. */
export const FRONT_PORT = 3022;
export const STATE = '/var/lib/latchkey-agent';
/** Where the agent logs without systemd (scripts/install-agent.sh's init scripts). */
const LOG_FILE = '/var/log/latchkey-agent.log';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const progress = (line: string) => process.stderr.write(`      [installer e2e] ${line}\n`);

async function which(command: string): Promise<boolean> {
  return (await runCommand('sh', ['-c', `command -v ${command}`])).code === 0;
}

/** Fails under CI=true and skips elsewhere when the tools or root are missing; builds the package. */
export async function needInstallerPrerequisites(context: Mocha.Context): Promise<void> {
  const missing: string[] = [];
  for (const tool of ['debootstrap', 'systemd-nspawn', 'nsenter', 'ip'])
    if (!(await which(tool))) missing.push(tool);
  if (missing.length > 0 || process.getuid?.() !== 0) {
    const why = `needs root and ${missing.join(', ') || 'nothing else'} (apt-get install debootstrap systemd-container)`;
    if (process.env.CI === 'true') throw new Error(`installer e2e: ${why}`);
    progress(`skipped: ${why}`);
    context.skip();
  }
  progress('building the agent package (cached by input hash)');
  const built = await runCommand(process.execPath, [`${REPO}scripts/package-agent.mjs`], {
    timeoutMs: 600_000,
  });
  assert.equal(built.code, 0, `${built.stdout}\n${built.stderr}`);
  progress(built.stdout.trim().split('\n').at(-1) ?? '');
}

/** The init-specific questions, asked inside the host. */
export interface HostInitOps {
  /** Whether the agent's service is enabled at boot and running. */
  agentEnabled(host: NspawnHost): Promise<boolean>;
  agentActive(host: NspawnHost): Promise<boolean>;
  /** sshd's service state once it is no longer on its way somewhere: 'active' when it runs. */
  sshState(host: NspawnHost): Promise<string>;
  /** Makes sshd's service refuse to (re)start or reload while Latchkey's drop-in is there. */
  refuseDropIn(host: NspawnHost): Promise<void>;
  /** The agent's log (journal or log file). */
  agentLog(host: NspawnHost): Promise<string>;
  /** Stops the agent's service (which finishes a rollback first). */
  stopAgent(host: NspawnHost): Promise<void>;
  /** What the installer leaves that --uninstall must remove. */
  readonly servicePath: string;
}

export function initOps(kind: HostKind): HostInitOps {
  const ssh = kind.sshService;
  if (kind.init === 'systemd') {
    return {
      agentEnabled: async (host) =>
        (await host.exec(['systemctl', 'is-enabled', 'latchkey-agent'])).stdout.trim() === 'enabled',
      agentActive: async (host) =>
        (await host.exec(['systemctl', 'is-active', 'latchkey-agent'])).stdout.trim() === 'active',
      async sshState(host) {
        const deadline = Date.now() + 30_000;
        for (;;) {
          const state = (await host.exec(['systemctl', 'is-active', ssh])).stdout.trim();
          if (!['activating', 'deactivating', 'reloading'].includes(state) || Date.now() > deadline)
            return state;
          await sleep(250);
        }
      },
      async refuseDropIn(host) {
        const refuse = `/bin/sh -c 'test ! -e ${DROP_IN}'`;
        await host.must(['mkdir', '-p', `/etc/systemd/system/${ssh}.service.d`]);
        await host.must(['sh', '-c', `cat > /etc/systemd/system/${ssh}.service.d/refuse-latchkey.conf`], {
          input: `[Service]\nExecStartPre=${refuse}\nExecReload=\nExecReload=${refuse}\nExecReload=/bin/kill -HUP $MAINPID\n`,
        });
        await host.must(['systemctl', 'daemon-reload']);
      },
      agentLog: async (host) =>
        (await host.exec(['journalctl', '-u', 'latchkey-agent', '-o', 'cat', '--no-pager'])).stdout,
      async stopAgent(host) {
        // The agent may be mid-rollback (restarting sshd) when asked to stop: it finishes that first,
        // which on a loaded machine can take longer than a minute (systemd's own limit is 90 s).
        await host.must(['systemctl', 'stop', 'latchkey-agent'], { timeoutMs: 150_000 });
      },
      servicePath: '/etc/systemd/system/latchkey-agent.service',
    };
  }
  const service = kind.init === 'openrc' ? ['rc-service'] : ['service'];
  return {
    async agentEnabled(host) {
      if (kind.init === 'openrc')
        return /\blatchkey-agent\b/.test(await host.must(['rc-update', 'show', 'default']));
      return (await host.exec(['sh', '-c', 'ls /etc/rc2.d/S*latchkey-agent'])).code === 0;
    },
    agentActive: async (host) => (await host.exec([...service, 'latchkey-agent', 'status'])).code === 0,
    async sshState(host) {
      return (await host.exec([...service, ssh, 'status'])).code === 0 ? 'active' : 'inactive';
    },
    async refuseDropIn(host) {
      // Debian's /etc/init.d/ssh sources /etc/default/ssh for every action: a guard there refuses start,
      // reload and restart (stop and status still work) while the drop-in is there.
      const guard =
        `case "$1" in start|reload|force-reload|restart|try-restart) ` +
        `if [ -e ${DROP_IN} ]; then echo "refused: Latchkey's drop-in is there" >&2; exit 1; fi;; esac\n`;
      await host.must(['sh', '-c', 'cat >> /etc/default/ssh'], { input: guard });
    },
    agentLog: async (host) => (await host.exec(['cat', LOG_FILE])).stdout,
    async stopAgent(host) {
      await host.must([...service, 'latchkey-agent', 'stop'], { timeoutMs: 150_000 });
    },
    servicePath: '/etc/init.d/latchkey-agent',
  };
}

/** One test file's world: a temporary directory, the package copy, alice's key; a host and a server per test. */
export class InstallerWorld {
  dir!: TempDir;
  server: ServerProcess | undefined;
  host: NspawnHost | undefined;
  adminToken = '';
  base = '';
  keyFile = '';
  publicKey = '';
  caPublicKey = '';
  /** This run's copy of the package: a rebuild in the checkout meanwhile must not change what is served. */
  packageFile = '';

  async setUp(): Promise<void> {
    this.dir = await createTempDir('installer-e2e');
    this.packageFile = this.dir.file('latchkey-agent-linux-x64.tar.gz');
    await copyFile(BUILT_PACKAGE, this.packageFile);
    this.keyFile = this.dir.file('id_ed25519');
    this.publicKey = (await generateKeyWithSshKeygen(this.keyFile)).publicKey;
  }

  async tearDown(): Promise<void> {
    await this.dir?.remove();
  }

  /** After each test: the host's and the server's logs if it failed, then both stopped. */
  async afterEach(failed: boolean, ops?: HostInitOps): Promise<void> {
    if (failed && this.host !== undefined) {
      if (ops !== undefined) progress(`the agent's log:\n${(await ops.agentLog(this.host)).slice(-6000)}`);
      const journal = await this.host.exec(['journalctl', '-n', '60', '--no-pager']);
      if (journal.code === 0) progress(`the container's journal:\n${journal.stdout}`);
      if (this.server !== undefined) progress(`the server said:\n${this.server.output().slice(-3000)}`);
    }
    await this.server?.stop();
    await this.host?.stop();
    this.server = undefined;
    this.host = undefined;
  }

  async admin(method: string, path: string, body?: unknown): Promise<Json> {
    const response = await fetch(`${this.server!.url}${this.base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.adminToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const answer = (await response.json()) as Json;
    assert.ok(response.status < 300, `${method} ${path}: ${JSON.stringify(answer)}`);
    return answer.result;
  }

  /** A fresh host of `kind` and a server on the veth pair, with a CA, alice allowed in as `alice`, and a join token. */
  async freshHostAndServer(
    pristine: string,
    label: string,
    kind?: HostKind,
  ): Promise<{ host: NspawnHost; joinToken: string }> {
    const host = await bootHost(pristine, label, {
      ...(kind === undefined ? {} : { init: kind.init }),
      ...(kind?.customize === undefined ? {} : { customize: kind.customize }),
    });
    this.host = host;
    const dataDir = this.dir.file(`server-${label}`);
    this.server = await startServerProcess([
      '--data-dir',
      dataDir,
      '--listen',
      `${host.hostAddress}:0`,
      '--allow-insecure-http',
      '--agent-package',
      this.packageFile,
    ]);
    const added = await runServerCommand(
      ['user', 'add', EMAIL, '--group', 'sre', '--data-dir', dataDir],
      60_000,
      `${PASSWORD}\n`,
    );
    assert.equal(added.code, 0, added.stderr);
    this.adminToken = (await readFile(`${dataDir}/admin.token`, 'utf8')).trim();
    this.base = '';
    const accounts = await this.admin('GET', '/client/v4/accounts');
    this.base = `/client/v4/accounts/${accounts[0].id}`;
    this.caPublicKey = (await this.admin('POST', '/access/gateway_ca')).public_key as string;
    await this.admin('POST', '/access/apps', {
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
    return { host, joinToken: await this.joinToken(label) };
  }

  async joinToken(name: string): Promise<string> {
    return (await this.admin('POST', '/latchkey/join_tokens', { name })).token as string;
  }

  /**
   * The install line, as `latchkey admin join-token create` prints it but run by root: the server is on
   * the test's own veth pair over plain http, which the installer refuses beyond loopback unless told
   * `--allow-insecure-http` (added here unless `secureOnly`).
   */
  runInstaller(target: NspawnHost, args: string, env: Record<string, string> = {}, secureOnly = false) {
    const insecure = secureOnly ? '' : ' --allow-insecure-http';
    return target.exec(
      [
        'bash',
        '-c',
        `set -o pipefail; curl -fsSL ${this.server!.url}/install.sh | bash -s -- ${args}${insecure}`,
      ],
      { timeoutMs: 240_000, env },
    );
  }

  async sshdFiles(target: NspawnHost): Promise<Record<string, string | null>> {
    const files: Record<string, string | null> = {};
    for (const path of ['/etc/ssh/sshd_config', '/etc/ssh/ca.pub', DROP_IN]) {
      files[path] = existsSync(`${target.root}${path}`) ? await readHostFile(target, path) : null;
    }
    return files;
  }

  /** The target as alice's target list shows it, once its agent has reported its front (at most 60 s). */
  async listedFront(targetId: string): Promise<{ port: number; hostKey: string }> {
    const tokens = await signInBuiltIn(this.server!.url, EMAIL, PASSWORD);
    for (const started = Date.now(); ; await sleep(500)) {
      const answer = await getJson(this.server!.url, '/v1/me/targets', tokens.access_token);
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
  async certificateFor(targetId: string): Promise<{ file: string; result: Json }> {
    const tokens = await signInBuiltIn(this.server!.url, EMAIL, PASSWORD);
    const issued = await postJson(this.server!.url, '/v1/me/certificates', tokens.access_token, {
      target_id: targetId,
      username: 'alice',
      public_key: this.publicKey,
    });
    assert.equal(issued.status, 200, JSON.stringify(issued.body));
    const file = this.dir.file(`cert-${Date.now()}-cert.pub`);
    await writeFile(file, `${issued.body.result.certificate}\n`);
    return { file, result: issued.body.result };
  }

  /** OpenSSH as alice, holding the server to the one host key in `knownHosts` (no trust on first use). */
  async ssh(address: string, port: number, certificateFile: string, knownHosts: string, command: string) {
    const knownHostsFile = this.dir.file(`known_hosts-${Date.now()}`);
    await writeFile(knownHostsFile, `${knownHosts}\n`);
    return runCommand(
      'ssh',
      [
        ...['-F', '/dev/null', '-i', this.keyFile, '-o', `CertificateFile=${certificateFile}`],
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
  async frontLogin(
    target: NspawnHost,
    targetId: string,
    command = 'id -un; echo "$SSH_CONNECTION"; echo "forced=${SSH_ORIGINAL_COMMAND-none}"',
  ) {
    const front = await this.listedFront(targetId);
    assert.equal(front.port, FRONT_PORT);
    const certificate = await this.certificateFor(targetId);
    // The certificate answer names the same front: a client needs nothing else to connect.
    assert.equal(certificate.result.target.port, FRONT_PORT);
    assert.equal(certificate.result.target.host_key, front.hostKey);
    const result = await this.ssh(
      target.address,
      FRONT_PORT,
      certificate.file,
      `[${target.address}]:${FRONT_PORT} ${front.hostKey}`,
      command,
    );
    return { ...result, sessionId: certificate.result.session_id as string };
  }
}

/** TCP listeners on `port` in the container's network namespace (/proc/net/tcp{,6}: it may have no ss). */
export async function listeners(target: NspawnHost, port: number): Promise<string[]> {
  const tables = await target.must(['cat', '/proc/net/tcp', '/proc/net/tcp6']);
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return tables
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields[1]?.endsWith(`:${hexPort}`) && fields[3] === '0A')
    .map((fields) => fields[1]!);
}

/** Whether a TCP connection from this host to the container's `port` is refused. */
export function refusesTcp(target: NspawnHost, port: number): Promise<boolean> {
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
export async function publicBlobOf(target: NspawnHost, path: string): Promise<string> {
  const derived = await runCommand('ssh-keygen', ['-y', '-f', `${target.root}${path}`]);
  assert.equal(derived.code, 0, derived.stderr);
  return derived.stdout.trim().split(/\s+/)[1]!;
}

/** The commands the agent ran on sshd, from its log: `ran ARGV: exit N` lines, ARGV only. */
export function commandsRan(log: string): string[] {
  return [...log.matchAll(/\bran (.+?): (?:exit \d+|killed by \S+)/g)].map((match) => match[1]!);
}

/**
 * Steps of the journey, each one assertion-heavy stage that both test files run.
 */
export async function installAndCheck(
  world: InstallerWorld,
  target: NspawnHost,
  ops: HostInitOps,
  joinToken: string,
): Promise<{ targetId: string; packageSha256: string }> {
  progress('curl -fsSL SERVER/install.sh | bash -s -- --token T --sha256 DIGEST (inside the container)');
  const packageSha256 = (await runCommand('sha256sum', [world.packageFile])).stdout.split(' ')[0]!;
  const first = await world.runInstaller(
    target,
    `--token ${joinToken} --hostname ${TARGET} --sha256 ${packageSha256}`,
  );
  assert.equal(first.code, 0, `${first.stdout}\n${first.stderr}`);
  assert.match(first.stdout, new RegExp(`sha256 verified against the pinned digest: ${packageSha256}`));
  assert.match(first.stdout, /sshd trusts the agent's CA/);
  assert.match(first.stdout, /the SSH front listens on 0\.0\.0\.0:3022: .*open TCP port 3022/);

  assert.ok(await ops.agentEnabled(target), 'the agent is enabled at boot');
  assert.ok(await ops.agentActive(target), 'the agent runs');
  const targets = await world.admin('GET', `/infrastructure/targets?hostname=${TARGET}`);
  assert.equal(targets.length, 1, JSON.stringify(targets));
  assert.equal(targets[0].ip.ipv4.ip_addr, target.address);

  // sshd trusts the agent's host-local CA (the front's one-minute certificates), not the account's.
  const effective = await target.must(['sshd', '-T']);
  assert.match(effective, /^trustedusercakeys \/etc\/ssh\/ca\.pub$/m);
  const caPub = await readHostFile(target, '/etc/ssh/ca.pub');
  assert.ok(caPub.includes(await publicBlobOf(target, `${STATE}/front/host_ca_ed25519_key`)), caPub);
  assert.ok(
    !caPub.includes(world.caPublicKey.trim().split(' ')[1]!),
    "the account CA is not in sshd's ca.pub",
  );
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
  return { targetId: targets[0].id as string, packageSha256 };
}

/** A certificate login through the front reaches the distro's sshd over loopback as alice. */
export async function loginThroughFront(world: InstallerWorld, target: NspawnHost, targetId: string) {
  progress("a certificate login through the agent's front on port 3022");
  const front = await world.listedFront(targetId);
  // The host key the server lists is the front's own (its public half, reported by the agent).
  assert.equal(
    front.hostKey.split(' ')[1],
    await publicBlobOf(target, `${STATE}/front/ssh_host_ed25519_key`),
  );
  const login = await world.frontLogin(target, targetId);
  assert.equal(login.code, 0, login.stderr);
  const [user, connection, forced] = login.stdout.trim().split('\n');
  assert.equal(user, 'alice');
  // sshd saw the front's loopback connection (not alice's), and no command was forced.
  assert.match(connection ?? '', /^127\.0\.0\.1 \d+ 127\.0\.0\.1 22$/);
  assert.equal(forced, 'forced=none');
  return front;
}

/** --uninstall puts sshd's files back byte for byte and leaves nothing of the agent, nor on port 3022. */
export async function uninstallAndCheck(
  world: InstallerWorld,
  target: NspawnHost,
  ops: HostInitOps,
  before: Record<string, string | null>,
): Promise<void> {
  progress('--uninstall');
  const removed = await world.runInstaller(target, '--uninstall');
  assert.equal(removed.code, 0, `${removed.stdout}\n${removed.stderr}`);
  assert.deepEqual(await world.sshdFiles(target), before, "sshd's files are as they were before the install");
  for (const path of [ops.servicePath, '/opt/latchkey-agent', '/usr/local/bin/latchkey-agent', STATE]) {
    assert.ok(!existsSync(`${target.root}${path}`), `${path} is removed`);
  }
  assert.ok(!(await ops.agentEnabled(target)), 'the agent is no longer enabled');
  assert.equal(await ops.sshState(target), 'active');
  assert.doesNotMatch(await target.must(['sshd', '-T']), /^trustedusercakeys \/etc\/ssh\/ca\.pub$/m);
  // Nothing is left on the front's port.
  assert.deepEqual(await listeners(target, FRONT_PORT), [], 'nothing listens on 3022');
  assert.ok(await refusesTcp(target, FRONT_PORT), 'a connection to 3022 is refused');
}

/**
 * An sshd service that refuses Latchkey's drop-in: an offline install (--package) fails clearly, and the
 * agent rolls sshd's files back byte for byte, sshd running again.
 */
export async function refusedRestartRollsBack(
  world: InstallerWorld,
  target: NspawnHost,
  ops: HostInitOps,
  joinToken: string,
  hostname = TARGET,
): Promise<void> {
  await ops.refuseDropIn(target);
  const before = await world.sshdFiles(target);
  // Offline this time: the package is already on the host (the server is still asked for the enrolment).
  await copyFile(world.packageFile, `${target.root}/root/agent.tar.gz`);
  const result = await world.runInstaller(
    target,
    `--package /root/agent.tar.gz --token ${joinToken} --hostname ${hostname}`,
    { LATCHKEY_INSTALL_WAIT_SECONDS: '30' },
  );
  assert.match(result.stdout, /installing from \/root\/agent\.tar\.gz/);
  assert.doesNotMatch(result.stdout, /downloading/);
  assert.notEqual(result.code, 0, result.stdout);
  assert.match(result.stderr, /sshd does not trust the CA after 30s/);

  await ops.stopAgent(target);
  assert.deepEqual(await world.sshdFiles(target), before, "sshd's files are rolled back byte for byte");
  // sshd is back (a restart the service manager scheduled on its own may still be under way for a moment).
  assert.equal(await ops.sshState(target), 'active');
  // Refused by the service manager (not by anything else on the way): activation failed, rolled back.
  assert.match(await ops.agentLog(target), /rolled back at activate/);
}
