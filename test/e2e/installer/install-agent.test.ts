// The one-line installer on a fresh Debian host, for real: a minbase bookworm root (debootstrap, cached)
// booted with systemd as PID 1 in systemd-nspawn, a real access server process serving /install.sh and the
// agent package (npm run package:agent, cached) on a veth pair whose addresses the test assigns, and inside
// the container exactly what an admin types:
//
//   curl -fsSL http://SERVER/install.sh | bash -s -- --token T
//
// Then: the unit is enabled and active, the target is registered, `sshd -T` shows the trusted CA, a
// certificate from the server logs in to the distro's own ssh.service (restarted by the agent); a second
// run is harmless; --uninstall puts sshd's files back byte for byte and removes the unit; and an sshd that
// cannot take the new config is rolled back, with the installer failing clearly. A few minutes in all
// (the first run also debootstraps: about a minute more).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { encodeAuditorKey, generateHpkeKeyPair, readSessionLog } from '@latchkey/shared';
import { createTempDir, generateKeyWithSshKeygen, runCommand } from '../../harness/index.js';
import type { TempDir } from '../../harness/index.js';
import { postJson, signInBuiltIn } from '../../server/sign-in/sign-in-client.js';
import { runServerCommand, startServerProcess } from '../server/server-process.js';
import type { Json, ServerProcess } from '../server/server-process.js';
import { bootHost, pristineDebianRoot, readHostFile } from './nspawn-host.js';
import type { NspawnHost } from './nspawn-host.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const PACKAGE = `${REPO}dist/latchkey-agent-linux-x64.tar.gz`;
const EMAIL = 'alice@corp.example';
const PASSWORD = 'alice password 42';
const TARGET = 'lk-installed';
const DROP_IN = '/etc/ssh/sshd_config.d/00-latchkey.conf';

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
      PACKAGE,
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

  function runInstaller(target: NspawnHost, args: string, env: Record<string, string> = {}) {
    return target.exec(
      ['bash', '-c', `set -o pipefail; curl -fsSL ${server!.url}/install.sh | bash -s -- ${args}`],
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

  /** A certificate from the server for alice, and an ssh login with it into the container's sshd. */
  async function certificateLogin(
    target: NspawnHost,
    targetId: string,
    command = 'id -un; command -v latchkey-agent',
  ) {
    const tokens = await signInBuiltIn(server!.url, EMAIL, PASSWORD);
    const issued = await postJson(server!.url, '/v1/me/certificates', tokens.access_token, {
      target_id: targetId,
      username: 'alice',
      public_key: publicKey,
    });
    assert.equal(issued.status, 200, JSON.stringify(issued.body));
    const certificateFile = dir.file(`cert-${Date.now()}-cert.pub`);
    await writeFile(certificateFile, `${issued.body.result.certificate}\n`);
    return runCommand(
      'ssh',
      [
        '-F',
        '/dev/null',
        '-i',
        keyFile,
        '-o',
        `CertificateFile=${certificateFile}`,
        '-o',
        'IdentitiesOnly=yes',
        '-o',
        'StrictHostKeyChecking=no',
        '-o',
        'UserKnownHostsFile=/dev/null',
        '-o',
        'BatchMode=yes',
        '-o',
        'ConnectTimeout=10',
        `alice@${target.address}`,
        command,
      ],
      { timeoutMs: 30_000 },
    );
  }

  it('installs, enrols and starts the agent; sshd trusts the CA and a certificate logs in; a rerun is harmless; --uninstall restores sshd byte for byte', async () => {
    const { host: target, joinToken } = await freshHostAndServer('lk-inst-a');
    const before = await sshdFiles(target);

    progress('curl -fsSL SERVER/install.sh | bash -s -- --token T (inside the container)');
    const first = await runInstaller(target, `--token ${joinToken} --hostname ${TARGET}`);
    assert.equal(first.code, 0, `${first.stdout}\n${first.stderr}`);
    assert.match(first.stdout, /sha256 verified/);
    assert.match(first.stdout, /sshd trusts the Latchkey CA/);

    assert.equal((await target.exec(['systemctl', 'is-enabled', 'latchkey-agent'])).stdout.trim(), 'enabled');
    assert.equal((await target.exec(['systemctl', 'is-active', 'latchkey-agent'])).stdout.trim(), 'active');
    const targets = await admin('GET', `/infrastructure/targets?hostname=${TARGET}`);
    assert.equal(targets.length, 1, JSON.stringify(targets));
    assert.equal(targets[0].ip.ipv4.ip_addr, target.address);
    const effective = await target.must(['sshd', '-T']);
    assert.match(effective, /^trustedusercakeys \/etc\/ssh\/ca\.pub$/m);
    assert.ok((await readHostFile(target, '/etc/ssh/ca.pub')).includes(caPublicKey.trim().split(' ')[1]!));
    // The command certificates force for recorded sessions (`latchkey-agent record`) is on PATH.
    assert.equal(
      (await target.must(['readlink', '-f', '/usr/local/bin/latchkey-agent'])).trim(),
      (await target.must(['readlink', '-f', '/opt/latchkey-agent/current'])).trim() + '/bin/latchkey-agent',
    );

    progress('certificate login into the container');
    const login = await certificateLogin(target, targets[0].id);
    assert.equal(login.code, 0, login.stderr);
    assert.deepEqual(login.stdout.trim().split('\n'), ['alice', '/usr/local/bin/latchkey-agent']);

    progress('the installer again');
    const afterFirst = await sshdFiles(target);
    const second = await runInstaller(target, `--token ${joinToken}`);
    assert.equal(second.code, 0, `${second.stdout}\n${second.stderr}`);
    assert.match(second.stdout, /already enrolled/);
    assert.match(second.stdout, /already unpacked/);
    assert.equal((await target.exec(['systemctl', 'is-active', 'latchkey-agent'])).stdout.trim(), 'active');
    assert.equal((await admin('GET', `/infrastructure/targets?hostname=${TARGET}`)).length, 1);
    assert.deepEqual(await sshdFiles(target), afterFirst);
    const again = await certificateLogin(target, targets[0].id);
    assert.equal(again.code, 0, again.stderr);

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

    progress('a recorded session on the installed host (sshd runs the recorder as alice)');
    const session = await certificateLogin(target, registered.id, 'echo recorded-$((6*7)); id -un');
    assert.equal(session.code, 0, session.stderr);
    assert.equal(session.stdout, 'recorded-42\nalice\n');

    let listed: Json[] = [];
    for (let waited = 0; listed.length === 0; waited += 500) {
      listed = (await admin('GET', '/ssh_logs?username=alice')).filter(
        (log: Json) => log.status === 'complete',
      );
      if (listed.length === 0) {
        assert.ok(waited < 90_000, 'the session log did not reach the server within 90 s');
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
    const [entry] = listed;
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
    await copyFile(PACKAGE, `${target.root}/root/agent.tar.gz`);
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
