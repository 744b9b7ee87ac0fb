/**
 * A private site the person's machine cannot reach: a network namespace the test creates, with only its
 * own loopback, holding a real sshd and a real `latchkey-agent run` whose SSH front listens on that
 * loopback. The agent reaches the access server (a real latchkey-server process on the host's loopback)
 * through the namespace's own 127.0.0.1:<server port>, which a small relay forwards over a UNIX socket to
 * the server: nothing leaves the machine, and nothing in the namespace is reachable from outside but
 * through the tunnel the agent dials.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  createTestUser,
  eventually,
  findFreePort,
  registerCleanup,
  removeTestUser,
  renderSshdConfig,
  runCommand,
  runCommandOrThrow,
  type TestUser,
} from '../../harness/index.js';
import { getJson, signInBuiltIn } from '../../server/sign-in/sign-in-client.js';
import { AGENT_BIN, AGENT_ENV, runAgent } from '../agent/agent-process.js';
import {
  api,
  runServerCommand,
  startServerProcess,
  type Json,
  type ServerProcess,
} from '../server/server-process.js';

export const SITE_HOSTNAME = 'site-1';
/** An agentless target in the same namespace, at an address only the namespace has, behind site-1's connector. */
export const PRIVATE_HOSTNAME = 'site-db';
export const PRIVATE_ADDRESS = '10.77.0.5';
export const PRIVATE_ROUTE = '10.77.0.0/24';

/** A child process run inside the namespace, its output collected. */
export class NamespacedProcess {
  private text = '';
  readonly exited: Promise<number | null>;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => (this.text += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.text += chunk.toString()));
    this.exited = new Promise((resolve) => child.on('close', (code) => resolve(code)));
    const handle = registerCleanup(name, () => this.stop());
    void this.exited.then(() => handle.release());
  }

  output(): string {
    return this.text;
  }

  mark(): number {
    return this.text.length;
  }

  async waitFor(pattern: RegExp, timeoutMs: number, since = 0): Promise<void> {
    await eventually(`${pattern} from ${this.name}`, timeoutMs, async () =>
      pattern.test(this.text.slice(since)) ? true : undefined,
    ).catch((error: Error) => {
      throw new Error(`${error.message}; it said:\n${this.text}`);
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }
}

export interface NetnsSite {
  readonly base: string;
  readonly namespace: string;
  server: ServerProcess;
  readonly serverPort: number;
  readonly user: TestUser;
  readonly agent: NamespacedProcess;
  readonly targetId: string;
  readonly frontPort: number;
  /** site-db: no agent, sshd trusting the account CA at PRIVATE_ADDRESS:22, reached through site-1's connector. */
  readonly privateTargetId: string;
  readonly privateSshd: NamespacedProcess;
  /** The route of PRIVATE_ROUTE to site-1's agent (`teamnet/routes`). */
  readonly routeId: string;
  readonly agentId: string;
  readonly adminToken: string;
  /** Starts the server again on the same port and data (after a kill). */
  restartServer(): Promise<void>;
  stop(): Promise<void>;
}

export async function startNetnsSite(): Promise<NetnsSite> {
  const base = await mkdtemp(path.join(tmpdir(), 'latchkey-tunnel-e2e-'));
  const removeBase = registerCleanup(`tunnel e2e dir ${base}`, () =>
    rm(base, { recursive: true, force: true }),
  );
  const namespace = `lk-tun-${process.pid}`;
  await runCommandOrThrow('ip', ['netns', 'add', namespace]);
  const removeNamespace = registerCleanup(`netns ${namespace}`, async () => {
    await runCommand('ip', ['netns', 'del', namespace]);
  });
  await runCommandOrThrow('ip', ['netns', 'exec', namespace, 'ip', 'link', 'set', 'lo', 'up']);

  const serverPort = await findFreePort('127.0.0.1');
  const serverDir = path.join(base, 'server');
  const serverArgs = ['--data-dir', serverDir, '--listen', `127.0.0.1:${serverPort}`];
  let server = await startServerProcess(serverArgs, 120_000);
  const adminToken = (await readFile(path.join(serverDir, 'admin.token'), 'utf8')).trim();
  const accounts = await api(server, 'GET', '/client/v4/accounts', adminToken);
  const accountBase = `/client/v4/accounts/${accounts.body.result[0].id}`;
  const admin = async (method: string, route: string, body?: unknown): Promise<Json> => {
    const answer = await api(server, method, `${accountBase}${route}`, adminToken, body);
    assert.ok(answer.status < 300, `${method} ${route}: ${JSON.stringify(answer.body)}`);
    return answer.body.result;
  };
  for (const email of ['bob@corp.example']) {
    const added = await runServerCommand(
      ['user', 'add', email, '--data-dir', serverDir],
      120_000,
      `${email} long password\n`,
    );
    assert.equal(added.code, 0, added.stderr);
  }
  const accountCa = (await admin('POST', '/access/gateway_ca')).public_key as string;
  const user = await createTestUser();
  await admin('POST', '/access/apps', {
    name: `${PRIVATE_HOSTNAME} over ssh`,
    type: 'infrastructure',
    target_criteria: [{ target_attributes: { hostname: [PRIVATE_HOSTNAME] }, port: 22, protocol: 'SSH' }],
    policies: [
      {
        name: 'bob on the private host',
        decision: 'allow',
        include: [{ email: { email: 'bob@corp.example' } }],
        connection_rules: { ssh: { usernames: [user.name] } },
      },
    ],
  });
  await admin('POST', '/access/apps', {
    name: `${SITE_HOSTNAME} over ssh`,
    type: 'infrastructure',
    target_criteria: [{ target_attributes: { hostname: [SITE_HOSTNAME] }, port: 22, protocol: 'SSH' }],
    policies: [
      {
        name: 'bob',
        decision: 'allow',
        include: [{ email: { email: 'bob@corp.example' } }],
        connection_rules: { ssh: { usernames: [user.name] } },
      },
    ],
  });

  // The server's port inside the namespace: a relay to a UNIX socket, which the test forwards to the server.
  const socketPath = path.join(base, 'server.sock');
  const bridged = new Set<net.Socket>();
  const bridge = net.createServer((inside) => {
    const outside = net.connect(serverPort, '127.0.0.1');
    for (const socket of [inside, outside]) {
      bridged.add(socket);
      socket.on('close', () => bridged.delete(socket));
    }
    inside.pipe(outside).pipe(inside);
    inside.on('error', () => outside.destroy());
    outside.on('error', () => inside.destroy());
  });
  await new Promise<void>((resolve) => bridge.listen(socketPath, resolve));
  const closeBridge = () =>
    new Promise<void>((resolve) => {
      for (const socket of bridged) socket.destroy();
      if (!bridge.listening) resolve();
      else bridge.close(() => resolve());
    });
  const bridgeCleanup = registerCleanup('tunnel e2e bridge', closeBridge);
  const relayScript =
    "const net=require('node:net');" +
    `net.createServer(s=>{const u=net.connect(${JSON.stringify(socketPath)});s.pipe(u).pipe(s);` +
    "s.on('error',()=>u.destroy());u.on('error',()=>s.destroy());})" +
    `.listen(${serverPort},'127.0.0.1',()=>console.log('RELAY READY'));`;
  const relay = new NamespacedProcess(
    'namespace relay',
    spawn('ip', ['netns', 'exec', namespace, process.execPath, '-e', relayScript], {
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  await relay.waitFor(/RELAY READY/, 60_000);

  // sshd inside the namespace, on its loopback.
  const sshdDir = path.join(base, 'sshd');
  await mkdir(sshdDir, { recursive: true, mode: 0o755 });
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  const hostKey = path.join(sshdDir, 'ssh_host_key');
  await runCommandOrThrow('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', hostKey]);
  const sshdPort = 2222;
  const sshdConfig = path.join(sshdDir, 'sshd_config');
  await writeFile(
    sshdConfig,
    renderSshdConfig(
      {
        ListenAddress: `127.0.0.1:${sshdPort}`,
        HostKey: hostKey,
        PidFile: path.join(sshdDir, 'sshd.pid'),
        UsePAM: 'no',
        LogLevel: 'VERBOSE',
        PubkeyAuthentication: 'yes',
        AuthorizedKeysFile: '.ssh/authorized_keys',
        PasswordAuthentication: 'no',
        KbdInteractiveAuthentication: 'no',
        PermitRootLogin: 'no',
        UseDNS: 'no',
        Subsystem: 'sftp internal-sftp',
      },
      {},
      [],
    ),
  );
  const sshd = new NamespacedProcess(
    'sshd in the namespace',
    spawn('ip', ['netns', 'exec', namespace, '/usr/sbin/sshd', '-D', '-e', '-f', sshdConfig], {
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  await sshd.waitFor(/Server listening on 127\.0\.0\.1 port 2222/, 60_000);
  await eventually('sshd pid file', 10_000, async () =>
    (await readFile(path.join(sshdDir, 'sshd.pid'), 'utf8').catch(() => '')).trim() === String(sshd.child.pid)
      ? true
      : undefined,
  );

  // The agentless host: an address only the namespace has, and an sshd that trusts the account CA
  // (Cloudflare's model for targets without an agent).
  await runCommandOrThrow('ip', [
    'netns',
    'exec',
    namespace,
    'ip',
    'addr',
    'add',
    `${PRIVATE_ADDRESS}/32`,
    'dev',
    'lo',
  ]);
  const privateDir = path.join(base, 'private-sshd');
  await mkdir(privateDir, { recursive: true, mode: 0o755 });
  const privateHostKey = path.join(privateDir, 'ssh_host_key');
  await runCommandOrThrow('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', privateHostKey]);
  await writeFile(path.join(privateDir, 'account_ca.pub'), `${accountCa.trim()}\n`);
  const privateConfig = path.join(privateDir, 'sshd_config');
  await writeFile(
    privateConfig,
    renderSshdConfig(
      {
        ListenAddress: `${PRIVATE_ADDRESS}:22`,
        HostKey: privateHostKey,
        PidFile: path.join(privateDir, 'sshd.pid'),
        UsePAM: 'no',
        LogLevel: 'VERBOSE',
        PubkeyAuthentication: 'yes',
        TrustedUserCAKeys: path.join(privateDir, 'account_ca.pub'),
        AuthorizedKeysFile: 'none',
        PasswordAuthentication: 'no',
        KbdInteractiveAuthentication: 'no',
        PermitRootLogin: 'no',
        UseDNS: 'no',
        Subsystem: 'sftp internal-sftp',
      },
      {},
      [],
    ),
  );
  const privateSshd = new NamespacedProcess(
    'agentless sshd in the namespace',
    spawn('ip', ['netns', 'exec', namespace, '/usr/sbin/sshd', '-D', '-e', '-f', privateConfig], {
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  await privateSshd.waitFor(
    new RegExp(`Server listening on ${PRIVATE_ADDRESS.replace(/\./g, '\\.')} port 22`),
    60_000,
  );
  const privateTarget = await admin('POST', '/infrastructure/targets', {
    hostname: PRIVATE_HOSTNAME,
    ip: { ipv4: { ip_addr: PRIVATE_ADDRESS } },
  });

  // The agent: enrolled from the host (it only talks to the server), run inside the namespace.
  const stateDir = path.join(base, 'agent-state');
  const joinToken = (await admin('POST', '/latchkey/join_tokens', { name: SITE_HOSTNAME })).token;
  const enrolled = await runAgent([
    ...['enroll', '--server', server.url, '--token', joinToken, '--state-dir', stateDir],
    ...['--hostname', SITE_HOSTNAME, '--interface', 'lo'],
  ]);
  assert.equal(enrolled.code, 0, enrolled.stderr);
  const agent = new NamespacedProcess(
    'latchkey-agent in the namespace',
    spawn(
      'ip',
      [
        ...['netns', 'exec', namespace, process.execPath, AGENT_BIN, 'run', '--state-dir', stateDir],
        ...['--sshd-config', sshdConfig, '--ssh-dir', sshdDir, '--ca-path', `${sshdDir}/ca.pub`],
        ...['--sshd-pid-file', `${sshdDir}/sshd.pid`, '--interval', '2', '--front-listen', '127.0.0.1:0'],
        ...['--route', PRIVATE_ROUTE],
      ],
      { env: AGENT_ENV, stdio: ['ignore', 'pipe', 'pipe'] },
    ),
  );
  await agent.waitFor(/sshd now trusts the CA/, 180_000);
  await agent.waitFor(/tunnel: connected to /, 120_000);
  const frontPort = Number(/ssh front listening on 127\.0\.0\.1:(\d+)/.exec(agent.output())?.[1]);
  const targets = (await admin('GET', `/infrastructure/targets?hostname=${SITE_HOSTNAME}`)) as Json[];
  assert.equal(targets.length, 1, agent.output());
  const targetId = targets[0].id as string;
  const agents = (await admin('GET', '/latchkey/agents')) as Json[];
  const agentId = agents.find((entry) => entry.target_id === targetId)?.id as string;
  assert.ok(agentId, JSON.stringify(agents));
  const route = await admin('POST', '/teamnet/routes', { network: PRIVATE_ROUTE, tunnel_id: agentId });
  const bobToken = (await signInBuiltIn(server.url, 'bob@corp.example', 'bob@corp.example long password'))
    .access_token;
  await eventually(`${SITE_HOSTNAME}'s front in bob's target list`, 120_000, async () => {
    const answer = await getJson(server.url, '/v1/me/targets', bobToken);
    return (answer.body.result as Json[]).find((t) => t.hostname === SITE_HOSTNAME)?.front;
  });

  const site: NetnsSite = {
    base,
    namespace,
    server,
    serverPort,
    user,
    agent,
    targetId,
    frontPort,
    privateTargetId: privateTarget.id as string,
    privateSshd,
    routeId: route.id as string,
    agentId,
    adminToken,
    async restartServer() {
      server = await startServerProcess(serverArgs, 120_000);
      site.server = server;
    },
    async stop() {
      const step = async (what: string, action: () => Promise<unknown>) => {
        const started = Date.now();
        await action();
        if (Date.now() - started > 5000)
          process.stdout.write(`      (${what} took ${Date.now() - started} ms)\n`);
      };
      await step('stopping the agent', () => agent.stop());
      await step('stopping sshd', () => sshd.stop());
      await step('stopping the agentless sshd', () => privateSshd.stop());
      await step('stopping the relay', () => relay.stop());
      await step('stopping the server', () => server.stop());
      await step('closing the bridge', closeBridge);
      bridgeCleanup.release();
      await step('removing the test user', () => removeTestUser(user));
      await runCommand('ip', ['netns', 'del', namespace]);
      removeNamespace.release();
      await rm(base, { recursive: true, force: true });
      removeBase.release();
    },
  };
  return site;
}
