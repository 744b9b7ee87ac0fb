// Strict recording and break-glass at the SSH front, end to end: an agent run with `--recording-mode
// strict` whose spool cannot keep a log refuses sessions, saying why; root's `latchkey-agent break-glass`
// lets them in with a warning naming it; `--end` refuses them again. Everything real: the access server on
// loopback, the harness's sshd, the agent as a child process (its front on loopback), OpenSSH's ssh, and
// the break-glass command as root runs it.
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { encodeAuditorKey, generateHpkeKeyPair } from '@latchkey/shared';
import {
  createTempDir,
  createTestUser,
  eventually,
  generateKeyWithSshKeygen,
  registerCleanup,
  removeTestUser,
  runSsh,
  startSshd,
} from '../../harness/index.js';
import type { RunningSshd, TempDir, TestUser } from '../../harness/index.js';
import { postJson, signInBuiltIn } from '../../server/sign-in/sign-in-client.js';
import { startTestServer } from '../../server/support/test-server.js';
import type { Json, TestServer } from '../../server/support/test-server.js';
import { runAgent, startAgent, type AgentProcess } from '../agent/agent-process.js';

describe('e2e: break-glass lets sessions in through the front under strict recording while logs cannot be kept', function () {
  this.timeout(120_000);
  let server: TestServer;
  let sshd: RunningSshd;
  let user: TestUser;
  let dir: TempDir;
  let agent: AgentProcess | undefined;
  let stateDir: string;
  let login: () => Promise<{ code: number | null; stdout: string; stderr: string }>;

  async function admin(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<Json> {
    const response = await fetch(`${server.url}${server.base}${path}`, {
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
    registerCleanup('latchkey-agent run (break-glass)', async () => {
      await agent?.stop();
    });
    server = await startTestServer({ listen: true });
    dir = await createTempDir('front-break-glass-e2e');
    user = await createTestUser();
    sshd = await startSshd();
    stateDir = dir.file('state');
    await admin('POST', '/access/gateway_ca');
    await admin('PUT', '/gateway/audit_ssh_settings', {
      public_key: encodeAuditorKey(generateHpkeKeyPair().publicKey),
    });
    await server.addUser('bob@corp.example', 'bob password', ['sre']);
    await admin('POST', '/access/apps', {
      name: 'strict-box over ssh',
      type: 'infrastructure',
      target_criteria: [
        { target_attributes: { hostname: ['strict-box'] }, port: sshd.port, protocol: 'SSH' },
      ],
      policies: [
        {
          name: 'bob',
          decision: 'allow',
          include: [{ email: { email: 'bob@corp.example' } }],
          connection_rules: { ssh: { usernames: [user.name] } },
        },
      ],
    });
    const joinToken = (await admin('POST', '/latchkey/join_tokens', { name: 'strict-box' })).token;
    const enrolled = await runAgent([
      'enroll',
      '--server',
      server.url,
      '--token',
      joinToken,
      '--state-dir',
      stateDir,
      '--hostname',
      'strict-box',
      '--interface',
      'lo',
    ]);
    assert.equal(enrolled.code, 0, enrolled.stderr);
    agent = startAgent([
      '--state-dir',
      stateDir,
      '--sshd-config',
      sshd.configPath,
      '--ssh-dir',
      sshd.dir,
      '--ca-path',
      `${sshd.dir}/ca.pub`,
      '--sshd-pid-file',
      `${sshd.dir}/sshd.pid`,
      '--interval',
      '2',
      '--front-listen',
      '127.0.0.1:0',
      '--recording-mode',
      'strict',
    ]);
    await agent.waitForOutput(/session recording is on \(strict\)/, 30_000);
    const target = await eventually('the front in the heartbeat', 30_000, async () => {
      const agents = (await admin('GET', '/latchkey/agents')) as Json[];
      const reported = agents.find((a) => a.hostname === 'strict-box' && a.front);
      return reported === undefined ? undefined : reported.target_id;
    });

    const keyFile = dir.file('id_ed25519');
    const publicKey = (await generateKeyWithSshKeygen(keyFile)).publicKey;
    login = async () => {
      const tokens = await signInBuiltIn(server.url, 'bob@corp.example', 'bob password');
      const issued = await postJson(server.url, '/v1/me/certificates', tokens.access_token, {
        target_id: target,
        username: user.name,
        public_key: publicKey,
      });
      assert.equal(issued.status, 200, JSON.stringify(issued.body));
      const { certificate, target: to } = issued.body.result as Json;
      const certificateFile = dir.file('bob-cert.pub');
      await writeFile(certificateFile, `${certificate}\n`);
      const knownHostsFile = dir.file('known_hosts');
      await writeFile(knownHostsFile, `[127.0.0.1]:${to.port} ${to.host_key}\n`);
      return runSsh({
        host: '127.0.0.1',
        port: to.port,
        knownHostsFile,
        user: user.name,
        identityFile: keyFile,
        certificateFile,
        command: 'echo in-$((6*7))',
      });
    };
  });

  after(async () => {
    await agent?.stop();
    await sshd?.stop();
    if (user) await removeTestUser(user);
    await server?.close();
    await dir?.remove();
  });

  it('refused, then let in with a warning naming the break-glass, then refused again after --end', async () => {
    const recorded = await login();
    assert.equal(recorded.code, 0, recorded.stderr);
    assert.equal(recorded.stdout.trim(), 'in-42');

    // The spool cannot keep a log: where its directory was there is a file (as root, modes stop nothing).
    const spool = `${stateDir}/spool`;
    await rm(spool, { recursive: true, force: true });
    await writeFile(spool, 'not a directory\n');
    try {
      const refused = await login();
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /this session must be recorded, but its log cannot be kept/);
      assert.match(refused.stderr, /refused \(strict recording\)/);
      assert.doesNotMatch(refused.stdout, /in-42/, 'nothing ran');

      const started = await runAgent([
        'break-glass',
        '--state-dir',
        stateDir,
        '--for',
        '5m',
        '--reason',
        'spool disk replaced',
      ]);
      assert.equal(started.code, 0, started.stderr);
      assert.match(started.stdout, /^break-glass until \d{4}-\d\d-\d\dT/);
      const settings = JSON.parse(await readFile(`${stateDir}/recording.json`, 'utf8'));
      assert.equal(settings.break_glass?.reason, 'spool disk replaced');
      const waived = await login();
      assert.equal(waived.code, 0, waived.stderr);
      assert.equal(waived.stdout.trim(), 'in-42');
      assert.match(waived.stderr, /warning: this session's log cannot be kept/);
      assert.match(waived.stderr, /administrator's break-glass until .* \(spool disk replaced\)/);

      const ended = await runAgent(['break-glass', '--state-dir', stateDir, '--end']);
      assert.equal(ended.code, 0, ended.stderr);
      const again = await login();
      assert.notEqual(again.code, 0);
      assert.match(again.stderr, /refused \(strict recording\)/);
    } finally {
      await rm(spool, { force: true });
      await mkdir(spool, { mode: 0o700 });
    }
  });

  it('refuses a bad duration, saying what is wrong', async () => {
    const result = await runAgent(['break-glass', '--state-dir', stateDir, '--for', '3d']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--for must be a duration between 1m and 24h/);
  });
});
