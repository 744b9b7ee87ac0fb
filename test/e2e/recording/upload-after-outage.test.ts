// Session logs reach the access server whatever happens between the target and it. Everything is real:
// the latchkey-server executable (SQLite in a temp dir), an agent enrolled with a join token and running
// as `latchkey-agent run` (its SSH front, spool, uploader, recording.json from the server), the harness's
// sshd behind it (trusting the agent's host CA), and OpenSSH's client in a terminal, logging in through
// the front with a target-bound certificate the server issued.
//
// 1. The server is stopped during an interactive session; the session ends; the log waits in the spool;
//    the server comes back and the log arrives; an auditor lists it, downloads it and opens it with the
//    auditors' private key: the typed command is in the command records, the person from the certificate.
// 2. The agent is SIGKILLed while its upload is in flight (a loopback proxy holds the PUT): the log is
//    still spooled, and the restarted agent uploads it.
import assert from 'node:assert/strict';
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  encodeAuditorKey,
  generateHpkeKeyPair,
  readSessionLog,
  type CommandRecord,
  type LatchkeyRecord,
} from '@latchkey/shared';
import { spawn as spawnPty, type IPty } from 'node-pty';
import {
  createTestUser,
  eventually,
  findFreePort,
  generateKeyWithSshKeygen,
  registerCleanup,
  removeTestUser,
  runSsh,
  startSshd,
  type RunningSshd,
  type TestUser,
} from '../../harness/index.js';
import { postJson, signInBuiltIn } from '../../server/sign-in/sign-in-client.js';
import {
  api,
  runServerCommand,
  startServerProcess,
  type Json,
  type ServerProcess,
} from '../server/server-process.js';
import { runAgent, startAgent, type AgentProcess } from '../agent/agent-process.js';

const PROMPT = '[lk-prompt] ';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A loopback TCP proxy between the agent and the server. With `holdUploads` it stops forwarding a
 * connection as soon as it carries a session-log PUT: the upload is in flight and never answered.
 */
class UploadHoldingProxy {
  holdUploads = false;
  heldUploads = 0;
  readonly url: string;
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;

  private constructor(upstreamPort: number) {
    this.server = createServer((client) => {
      let held = false;
      const upstream = connect(upstreamPort, '127.0.0.1');
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
      }
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.on('close', () => upstream.destroy());
      upstream.on('data', (data: Buffer) => {
        if (!held) client.write(data);
      });
      client.on('data', (data: Buffer) => {
        if (!held && this.holdUploads && data.includes('PUT /v1/agents/ssh_logs/')) {
          held = true;
          this.heldUploads += 1;
        }
        if (!held) upstream.write(data);
      });
    });
    this.url = '';
  }

  static async start(upstreamPort: number): Promise<UploadHoldingProxy> {
    const proxy = new UploadHoldingProxy(upstreamPort);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    const { port } = proxy.server.address() as { port: number };
    (proxy as { url: string }).url = `http://127.0.0.1:${port}`;
    registerCleanup('upload proxy', () => proxy.close());
    return proxy;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A real `ssh -tt` in a terminal of the test's own (node-pty). */
class TerminalSession {
  output = '';
  readonly exited: Promise<number>;
  private readonly pty: IPty;

  constructor(args: string[]) {
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env)) {
      if (value !== undefined && !key.startsWith('SSH_')) env[key] = value;
    }
    this.pty = spawnPty('/usr/bin/ssh', args, { name: 'xterm-256color', cols: 80, rows: 24, env });
    const handle = registerCleanup('ssh terminal', async () => this.pty.kill('SIGKILL'));
    this.pty.onData((data) => (this.output += data));
    this.exited = new Promise((resolve) =>
      this.pty.onExit(({ exitCode }) => {
        handle.release();
        resolve(exitCode);
      }),
    );
  }

  async prompts(count: number): Promise<void> {
    for (let waited = 0; this.output.split(PROMPT).length - 1 < count; waited += 20) {
      if (waited > 20_000)
        throw new Error(`waiting for prompt #${count}; the terminal shows:\n${this.output}`);
      await sleep(20);
    }
  }

  type(text: string): void {
    this.pty.write(text);
  }
}

function commands(records: LatchkeyRecord[]): CommandRecord[] {
  return records.flatMap((record) => (record.kind === 'command' ? [record.body] : []));
}

describe('e2e: spooled session logs reach the server across an outage and an agent killed mid-upload', function () {
  this.timeout(180_000);
  let base: string;
  let serverArgs: string[];
  let server: ServerProcess;
  let adminToken: string;
  let accountBase: string;
  let proxy: UploadHoldingProxy;
  let sshd: RunningSshd;
  let user: TestUser;
  let agent: AgentProcess;
  let agentArgs: string[];
  let sshOptions: string[];
  let targetId: string;
  let frontPort: number;
  const auditor = generateHpkeKeyPair();
  const stateDir = () => path.join(base, 'state');
  const spoolDir = () => path.join(base, 'state', 'spool');

  const admin = async (method: string, route: string, body?: unknown): Promise<Json> => {
    const answer = await api(server, method, `${accountBase}${route}`, adminToken, body);
    assert.ok(answer.status < 300, `${method} ${route}: ${JSON.stringify(answer.body)}`);
    return answer.body.result;
  };

  /** The spooled logs' states; one the uploader removes between the listing and the read is gone. */
  async function spooledStates(): Promise<Json[]> {
    const names = (await readdir(spoolDir())).filter((name) => name.endsWith('.json'));
    const states = await Promise.all(
      names.map(async (name) => {
        try {
          return JSON.parse(await readFile(path.join(spoolDir(), name), 'utf8'));
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
          throw error;
        }
      }),
    );
    return states.filter((state) => state !== undefined);
  }

  /** The auditor's view: the logs listed for this target. */
  async function listedLogs(): Promise<Json[]> {
    return (await admin('GET', `/ssh_logs?target_id=${targetId}`)) as Json[];
  }

  async function download(logId: string): Promise<Buffer> {
    const response = await fetch(`${server.url}${accountBase}/ssh_logs/${logId}/file`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    assert.equal(response.status, 200, await response.clone().text());
    return Buffer.from(await response.arrayBuffer());
  }

  async function certificate(): Promise<string> {
    const tokens = await signInBuiltIn(server.url, 'bob@corp.example', 'bob long password');
    const keyFile = path.join(base, 'client', 'id_ed25519');
    const publicKey = await readFile(`${keyFile}.pub`, 'utf8');
    const issued = await postJson(server.url, '/v1/me/certificates', tokens.access_token, {
      target_id: targetId,
      username: user.name,
      public_key: publicKey.trim(),
    });
    assert.equal(issued.status, 200, JSON.stringify(issued.body));
    const file = path.join(base, 'client', `cert-${Date.now()}-cert.pub`);
    await writeFile(file, `${issued.body.result.certificate}\n`);
    return file;
  }

  before(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'latchkey-upload-e2e-'));
    registerCleanup(`upload e2e dir ${base}`, () => rm(base, { recursive: true, force: true }));
    await chmod(base, 0o755);
    await mkdir(path.join(base, 'client'));

    const port = await findFreePort('127.0.0.1');
    serverArgs = ['--data-dir', path.join(base, 'server'), '--listen', `127.0.0.1:${port}`];
    server = await startServerProcess(serverArgs);
    adminToken = (await readFile(path.join(base, 'server', 'admin.token'), 'utf8')).trim();
    const accounts = await api(server, 'GET', '/client/v4/accounts', adminToken);
    accountBase = `/client/v4/accounts/${accounts.body.result[0].id}`;
    const added = await runServerCommand(
      ['user', 'add', 'bob@corp.example', '--group', 'sre', '--data-dir', path.join(base, 'server')],
      30_000,
      'bob long password\n',
    );
    assert.equal(added.code, 0, added.stderr);
    await admin('POST', '/access/gateway_ca');
    await admin('PUT', '/gateway/audit_ssh_settings', { public_key: encodeAuditorKey(auditor.publicKey) });

    user = await createTestUser();
    await writeFile(path.join(user.home, '.bashrc'), "PS1='[lk-prompt] '\n");
    await writeFile(path.join(user.home, '.profile'), 'if [ -f ~/.bashrc ]; then . ~/.bashrc; fi\n');
    await chown(path.join(user.home, '.bashrc'), user.uid, user.gid);
    await chown(path.join(user.home, '.profile'), user.uid, user.gid);
    sshd = await startSshd();
    await admin('POST', '/access/apps', {
      name: 'upload-box over ssh',
      type: 'infrastructure',
      target_criteria: [
        { target_attributes: { hostname: ['upload-box'] }, port: sshd.port, protocol: 'SSH' },
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

    proxy = await UploadHoldingProxy.start(port);
    const joinToken = (await admin('POST', '/latchkey/join_tokens', { name: 'upload e2e' })).token;
    const enrolled = await runAgent([
      'enroll',
      '--server',
      proxy.url,
      '--token',
      joinToken,
      '--state-dir',
      stateDir(),
      '--hostname',
      'upload-box',
      '--interface',
      'lo',
    ]);
    assert.equal(enrolled.code, 0, enrolled.stderr);
    frontPort = await findFreePort('127.0.0.1');
    agentArgs = [
      '--state-dir',
      stateDir(),
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
      // A fixed port: the agent is restarted below and its front must come back where clients know it.
      '--front-listen',
      `127.0.0.1:${frontPort}`,
    ];
    agent = startAgent(agentArgs);
    await agent.waitForOutput(/sshd now trusts the CA/, 30_000);
    await agent.waitForOutput(/session recording is on \(best-effort\)/, 30_000);
    assert.doesNotMatch(
      await readFile(sshd.configPath, 'utf8'),
      /ExposeAuthInfo/,
      'no recorder to hand it to',
    );
    targetId = (await admin('GET', '/infrastructure/targets?hostname=upload-box'))[0].id;
    const front = await eventually("the agent's front in its heartbeat", 20_000, async () => {
      const agents = (await admin('GET', '/latchkey/agents')) as Json[];
      return agents.find((a) => a.front?.port === frontPort)?.front as Json | undefined;
    });
    // recording.json names the target once the agent knows it.
    await eventually('recording.json with the target', 20_000, async () => {
      const text = await readFile(path.join(stateDir(), 'recording.json'), 'utf8');
      return JSON.parse(text).target_id === targetId ? true : undefined;
    });

    await generateKeyWithSshKeygen(path.join(base, 'client', 'id_ed25519'));
    const knownHosts = path.join(base, 'client', 'known_hosts');
    await writeFile(knownHosts, `[127.0.0.1]:${frontPort} ${front.host_key}\n`);
    sshOptions = sshClientArgs({
      identityFile: path.join(base, 'client', 'id_ed25519'),
      knownHostsFile: knownHosts,
      port: frontPort,
      user: user.name,
    });
  });

  after(async () => {
    await agent?.stop();
    await proxy?.close();
    await server?.stop();
    await sshd?.stop();
    if (user) await removeTestUser(user);
    if (base) await rm(base, { recursive: true, force: true });
  });

  it('the server stops during a session; the log waits in the spool and arrives when the server is back, and opens with the auditor key', async () => {
    const certificateFile = await certificate();
    const session = new TerminalSession([
      ...sshOptions,
      '-o',
      `CertificateFile=${certificateFile}`,
      '-tt',
      '127.0.0.1',
    ]);
    await session.prompts(1);
    const mark = agent.mark();
    await server.stop();
    try {
      session.type('echo outage-$((6*7))\r');
      await session.prompts(2);
      assert.match(session.output, /\routage-42\r\n/);
      session.type('exit 0\r');
      assert.equal(await session.exited, 0);

      await agent.waitForOutput(/session logs wait for the server/, 30_000, mark);
      const spooled = await spooledStates();
      assert.equal(spooled.length, 1, 'the log waits in the spool');
      assert.equal(spooled[0].status, 'complete');
      assert.equal(spooled[0].identity.user_email, 'bob@corp.example', 'the person from the certificate');
      assert.equal(spooled[0].unix_user, user.name);
      assert.equal(spooled[0].unix_user_verified, true, 'the front authenticated the user');
    } finally {
      server = await startServerProcess(serverArgs);
    }

    const listed = await eventually('the log in the auditor list', 90_000, async () => {
      const logs = await listedLogs();
      return logs.length > 0 ? logs : undefined;
    });
    assert.equal(listed.length, 1);
    const entry = listed[0];
    assert.equal(entry.status, 'complete');
    assert.equal(entry.user_email, 'bob@corp.example');
    assert.equal(entry.username, user.name);
    assert.equal(entry.target_id, targetId);
    assert.equal(entry.program_type, 'shell');
    assert.equal(entry.error, undefined, 'a whole log of a proven user: nothing to flag');
    assert.equal(entry.pty, true);
    assert.match(entry.session_id, /^[0-9a-f-]{36}$/);
    await eventually('the spool emptied', 10_000, async () =>
      (await spooledStates()).length === 0 ? true : undefined,
    );

    const log = readSessionLog(await download(entry.id), auditor.privateKey);
    assert.equal(log.integrity.status, 'verified', log.integrity.problems.join('\n'));
    assert.equal(log.integrity.identity?.user_email, 'bob@corp.example');
    assert.equal(log.integrity.identity?.principal, user.name);
    assert.equal(log.integrity.identity?.session_id, entry.session_id);
    const typed = commands(log.records).map((record) => record.command);
    assert.ok(typed.includes('echo outage-$((6*7))'), `command records: ${JSON.stringify(typed)}`);
    assert.equal(log.metadata.exit_data?.status, 0);
  });

  it('the agent killed while its upload is in flight: the log stays spooled and the restarted agent uploads it', async () => {
    // The harness stopped the server the previous test restarted (a test's processes end with it).
    server = await startServerProcess(serverArgs);
    proxy.holdUploads = true;
    const certificateFile = await certificate();
    const result = await runSsh({
      host: '127.0.0.1',
      port: frontPort,
      knownHostsFile: path.join(base, 'client', 'known_hosts'),
      user: user.name,
      identityFile: path.join(base, 'client', 'id_ed25519'),
      certificateFile,
      command: 'echo killed-mid-upload',
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), 'killed-mid-upload');
    await eventually('the upload held in flight', 30_000, async () =>
      proxy.heldUploads > 0 ? true : undefined,
    );
    await agent.stop('SIGKILL');
    const spooled = await spooledStates();
    assert.equal(spooled.length, 1, 'still in the spool');
    assert.equal(spooled[0].identity.command, 'echo killed-mid-upload');
    assert.ok(
      !(await listedLogs()).some((log: Json) => log.command === 'echo killed-mid-upload'),
      'the server never acknowledged it',
    );

    proxy.holdUploads = false;
    agent = startAgent(agentArgs);
    const arrived = await eventually('the log uploaded by the restarted agent', 60_000, async () =>
      (await listedLogs()).find((log: Json) => log.command === 'echo killed-mid-upload'),
    );
    assert.equal(arrived.program_type, 'exec');
    assert.equal(arrived.status, 'complete');
    const log = readSessionLog(await download(arrived.id), auditor.privateKey);
    assert.equal(log.integrity.status, 'verified', log.integrity.problems.join('\n'));
    const output = Buffer.concat(log.packets.map((packet) => Buffer.from(packet.data))).toString('utf8');
    assert.match(output, /killed-mid-upload/);
    await eventually('the spool emptied', 10_000, async () =>
      (await spooledStates()).length === 0 ? true : undefined,
    );
  });
});

/**
 * The ssh client's arguments (no host, command or -tt) for a private sshd: no config file, no agent, only
 * the given key (and certificate, if given), the server's host key checked against `knownHostsFile`.
 */
function sshClientArgs(client: {
  identityFile: string;
  certificateFile?: string;
  knownHostsFile: string;
  port: number;
  user: string;
}): string[] {
  return [
    '-F',
    '/dev/null',
    '-o',
    'BatchMode=yes',
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'IdentityAgent=none',
    '-o',
    `IdentityFile=${client.identityFile}`,
    ...(client.certificateFile === undefined ? [] : ['-o', `CertificateFile=${client.certificateFile}`]),
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    `UserKnownHostsFile=${client.knownHostsFile}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    'ControlPath=none',
    '-p',
    String(client.port),
    '-l',
    client.user,
  ];
}
