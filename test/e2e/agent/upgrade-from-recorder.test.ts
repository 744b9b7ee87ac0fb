// A host installed by an agent before the SSH front (sshd trusting the account CA through Latchkey's block
// with ExposeAuthInfo for the force-command recorder, the recorders' spool socket and its uid-proof
// directory, recording.json open to them) gets today's agent, started with the flags a unit written for the
// old one passed: the front comes up, the server learns of it, ca.pub ends up trusting only the host CA,
// the leftovers go, and a person's certificate from the server logs in through the front. Everything real:
// the access server on loopback, the harness's sshd (reloaded by SIGHUP, no service manager), the agent as
// a child process, OpenSSH's ssh.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { encodeAuditorKey, generateHpkeKeyPair, parseSshPrivateKey } from '@latchkey/shared';
import { editSshdConfig } from '../../../agent/src/domain/sshd/edit-sshd-config.js';
import { mergeCaFile } from '../../../agent/src/domain/sshd/merge-ca-file.js';
import {
  createTempDir,
  createTestUser,
  eventually,
  generateKeyWithSshKeygen,
  registerCleanup,
  removeTestUser,
  runCommand,
  runSsh,
  startSshd,
} from '../../harness/index.js';
import type { RunningSshd, TempDir, TestUser } from '../../harness/index.js';
import { postJson, signInBuiltIn } from '../../server/sign-in/sign-in-client.js';
import { startTestServer } from '../../server/support/test-server.js';
import type { Json, TestServer } from '../../server/support/test-server.js';
import { runAgent, startAgent, type AgentProcess } from './agent-process.js';

describe('e2e: upgrading a host of an agent before the SSH front', function () {
  this.timeout(120_000);
  let server: TestServer;
  let sshd: RunningSshd;
  let user: TestUser;
  let dir: TempDir;
  let agent: AgentProcess | undefined;

  async function admin(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<Json> {
    const response = await fetch(`${server.url}${path.startsWith('/v1/') ? '' : server.base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${server.adminToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const answer = (await response.json()) as Json;
    assert.ok(response.status < 300, `${method} ${path}: ${JSON.stringify(answer)}`);
    return answer.result;
  }

  before(async () => {
    registerCleanup('latchkey-agent run (upgrade)', async () => {
      await agent?.stop();
    });
    server = await startTestServer({ listen: true });
    dir = await createTempDir('agent-upgrade-e2e');
    user = await createTestUser();
    sshd = await startSshd();
  });

  after(async () => {
    await agent?.stop();
    await sshd?.stop();
    if (user) await removeTestUser(user);
    await server?.close();
    await dir?.remove();
  });

  it('switches over: front first, then ca.pub to the host CA alone, leftovers gone; a server certificate logs in through the front', async () => {
    const stateDir = dir.file('state');
    const caPath = `${sshd.dir}/ca.pub`;
    const runtimeDir = dir.file('run/latchkey-agent');
    const socketPath = `${runtimeDir}/record.sock`;
    const accountCa = (await admin('POST', '/access/gateway_ca')).public_key as string;
    const auditor = generateHpkeKeyPair();
    await admin('PUT', '/gateway/audit_ssh_settings', { public_key: encodeAuditorKey(auditor.publicKey) });
    const keyFile = dir.file('id_ed25519');
    const publicKey = (await generateKeyWithSshKeygen(keyFile)).publicKey;
    await server.addUser('bob@corp.example', 'bob password', ['sre']);
    await admin('POST', '/access/apps', {
      name: 'old-box over ssh',
      type: 'infrastructure',
      target_criteria: [{ target_attributes: { hostname: ['old-box'] }, port: sshd.port, protocol: 'SSH' }],
      policies: [
        {
          name: 'bob',
          decision: 'allow',
          include: [{ email: { email: 'bob@corp.example' } }],
          connection_rules: { ssh: { usernames: [user.name] } },
        },
      ],
    });
    const joinToken = (await admin('POST', '/latchkey/join_tokens', { name: 'old-box' })).token;
    const enrolled = await runAgent([
      'enroll',
      '--server',
      server.url,
      '--token',
      joinToken,
      '--state-dir',
      stateDir,
      '--hostname',
      'old-box',
      '--interface',
      'lo',
    ]);
    assert.equal(enrolled.code, 0, enrolled.stderr);

    // --- The host as an agent before the front left it. ---
    // sshd_config: Latchkey's block, with the recorder's ExposeAuthInfo; ca.pub: the account CA.
    const mainText = await readFile(sshd.configPath, 'utf8');
    const edit = editSshdConfig({
      mainPath: sshd.configPath,
      mainText,
      included: new Map(),
      sshDir: sshd.dir,
      caPath,
    });
    const main = edit.writes.find((write) => write.role === 'main');
    assert.ok(
      main !== undefined && edit.method === 'in-place',
      `the harness sshd takes an in-place block: ${edit.method}`,
    );
    const legacyConfig = main.content.replace(/^(TrustedUserCAKeys .*\n)/m, '$1ExposeAuthInfo yes\n');
    assert.notEqual(legacyConfig, main.content);
    await writeFile(sshd.configPath, legacyConfig);
    await writeFile(caPath, mergeCaFile({ current: undefined, serverKeys: [accountCa] }).content, {
      mode: 0o644,
    });
    await sshd.reload();
    const before = await runCommand('/usr/sbin/sshd', ['-T', '-f', sshd.configPath]);
    assert.match(before.stdout, /^exposeauthinfo yes$/m, before.stderr);
    assert.match(before.stdout, new RegExp(`^trustedusercakeys ${caPath}$`, 'm'));
    // The recorders' socket (left by an agent killed while it listened), their uid proofs, and the
    // recording settings they read: 0644 in a 0711 state directory, with the socket's path.
    await mkdir(`${runtimeDir}/peers`, { recursive: true, mode: 0o1733 });
    await writeFile(`${runtimeDir}/peers/0123456789abcdef0123456789abcdef`, '');
    const code = `require('node:net').createServer().listen(${JSON.stringify(socketPath)}, () => process.kill(process.pid, 'SIGKILL'))`;
    assert.equal(spawnSync(process.execPath, ['-e', code]).signal, 'SIGKILL');
    assert.ok((await stat(socketPath)).isSocket());
    await writeFile(
      `${stateDir}/recording.json`,
      JSON.stringify({
        auditor_public_key: encodeAuditorKey(auditor.publicKey),
        mode: 'best-effort',
        spool_socket: socketPath,
        sftp_server: '/usr/lib/openssh/sftp-server',
      }),
      { mode: 0o644 },
    );
    await chmod(`${stateDir}/recording.json`, 0o644);
    await chmod(stateDir, 0o711);

    // --- Today's agent, with what the old unit passed (the front on loopback for the test). ---
    agent = startAgent([
      '--state-dir',
      stateDir,
      '--sshd-config',
      sshd.configPath,
      '--ssh-dir',
      sshd.dir,
      '--ca-path',
      caPath,
      '--sshd-pid-file',
      `${sshd.dir}/sshd.pid`,
      '--interval',
      '2',
      '--front-listen',
      '127.0.0.1:0',
      '--record-socket',
      socketPath,
      '--recorder-command',
      'latchkey-agent record',
    ]);
    await agent.waitForOutput(/removed the force-command recorder's leftovers/, 60_000);
    const log = agent.output();
    if (process.env.LATCHKEY_SHOW_AGENT_LOG === '1') process.stderr.write(log);
    assert.match(
      log,
      /--record-socket, --recorder-command: flags of agents before the SSH front, whose force-command recorder is gone/,
    );
    // The order that keeps a way in at every step.
    const at = (pattern: RegExp) => {
      const index = log.search(pattern);
      assert.ok(index >= 0, `${pattern} in the agent's log:\n${log}`);
      return index;
    };
    const listening = at(/ssh front listening on 127\.0\.0\.1:\d+/);
    const transition = at(/it trusts the host CA too until the server knows the front/);
    const hostCaOnly = at(/the server knows the front: sshd now trusts the host CA only/);
    const leftovers = at(/removed the force-command recorder's leftovers/);
    assert.ok(listening < transition && transition < hostCaOnly && hostCaOnly < leftovers, log);

    // sshd trusts the host CA alone, without the recorder's ExposeAuthInfo.
    const hostCa = parseSshPrivateKey(await readFile(`${stateDir}/front/host_ca_ed25519_key`, 'utf8'));
    const trusted = await readFile(caPath, 'utf8');
    assert.ok(trusted.includes(hostCa.publicKey.toAuthorizedKey().split(' ')[1]!), 'the host CA');
    assert.ok(!trusted.includes(accountCa.split(' ')[1]!), 'not the account CA');
    const after = await runCommand('/usr/sbin/sshd', ['-T', '-f', sshd.configPath]);
    assert.match(after.stdout, /^exposeauthinfo no$/m);
    assert.doesNotMatch(await readFile(sshd.configPath, 'utf8'), /ExposeAuthInfo/);
    // The leftovers are gone; recording.json and the state directory are root's alone again.
    await assert.rejects(stat(runtimeDir), /ENOENT/);
    assert.equal((await stat(stateDir)).mode & 0o777, 0o700);
    assert.equal((await stat(`${stateDir}/recording.json`)).mode & 0o777, 0o600);
    assert.doesNotMatch(await readFile(`${stateDir}/recording.json`, 'utf8'), /spool_socket|sftp_server/);

    // The server knows the front, and says the front records.
    const reported = await eventually('the front in the heartbeat', 20_000, async () => {
      const agents = (await admin('GET', '/latchkey/agents')) as Json[];
      return agents.find((a) => a.hostname === 'old-box' && a.front !== undefined && a.front !== null);
    });
    assert.equal(reported.recording?.recorder_command, 'latchkey-agent front');

    // A person's certificate from the server: bound to the target, sent to the front, and it logs in.
    const tokens = await signInBuiltIn(server.url, 'bob@corp.example', 'bob password');
    const target = (await admin('GET', '/infrastructure/targets?hostname=old-box'))[0];
    const issued = await postJson(server.url, '/v1/me/certificates', tokens.access_token, {
      target_id: target.id,
      username: user.name,
      public_key: publicKey,
    });
    assert.equal(issued.status, 200, JSON.stringify(issued.body));
    const { certificate, target: to } = issued.body.result as Json;
    assert.doesNotMatch(certificate, /force-command/);
    const certificateFile = dir.file('bob-cert.pub');
    await writeFile(certificateFile, `${certificate}\n`);
    const knownHostsFile = dir.file('known_hosts');
    await writeFile(knownHostsFile, `[127.0.0.1]:${to.port} ${to.host_key}\n`);
    const login = await runSsh({
      host: '127.0.0.1',
      port: to.port,
      knownHostsFile,
      user: user.name,
      identityFile: keyFile,
      certificateFile,
      command: 'id -un',
    });
    assert.equal(login.code, 0, login.stderr);
    assert.equal(login.stdout.trim(), user.name);
    // ... and sshd itself no longer takes it.
    const sshdKnownHosts = dir.file('sshd_known_hosts');
    await writeFile(sshdKnownHosts, `${sshd.knownHostsLine()}\n`);
    const direct = await runSsh({
      host: '127.0.0.1',
      port: sshd.port,
      knownHostsFile: sshdKnownHosts,
      user: user.name,
      identityFile: keyFile,
      certificateFile,
      command: 'id -un',
    });
    assert.notEqual(direct.code, 0);
    assert.match(
      direct.stderr,
      /Permission denied/,
      'refused by sshd for the certificate, not for the host key',
    );
  });
});
