/**
 * Two agent-managed targets on this machine, everything real: the latchkey-server executable (SQLite in a
 * temp dir), a built-in person, a session-log key, and per target a private sshd and a `latchkey-agent run`
 * enrolled with a join token, whose SSH front listens on its own loopback port. Both targets have the same
 * UNIX user (one test user), so only the certificate's binding can tell them apart.
 *
 * Policy: bob may reach web-1 as that user; only carol may reach db-1.
 */
import assert from 'node:assert/strict';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  encodeAuditorKey,
  generateHpkeKeyPair,
  readSessionLog,
  type SessionLogContents,
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
  type SshResult,
  type TestUser,
} from '../../harness/index.js';
import { getJson, postJson, signInBuiltIn } from '../../server/sign-in/sign-in-client.js';
import { runAgent, startAgent, type AgentProcess } from '../agent/agent-process.js';
import {
  api,
  runServerCommand,
  startServerProcess,
  type Json,
  type ServerProcess,
} from '../server/server-process.js';

/** A real OpenSSH client in a terminal of the test's own. */
export class TestTerminal {
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

  /** Resolves once `text` has been shown (after `since`), or rejects with the screen after 20 s. */
  async waitFor(text: string, since = 0): Promise<number> {
    await eventually(`"${text}" on the terminal`, 20_000, async () =>
      this.output.indexOf(text, since) >= 0 ? true : undefined,
    ).catch((error: Error) => {
      throw new Error(`${error.message}; it shows:\n${this.output}`);
    });
    return this.output.indexOf(text, since) + text.length;
  }

  type(text: string): void {
    this.pty.write(text);
  }

  resize(cols: number, rows: number): void {
    this.pty.resize(cols, rows);
  }
}

export interface FrontedTarget {
  readonly hostname: string;
  readonly sshd: RunningSshd;
  readonly agent: AgentProcess;
  readonly stateDir: string;
  targetId: string;
  frontPort: number;
  /** `[127.0.0.1]:PORT ssh-ed25519 …`: the front's host key as the server hands it out. */
  frontKnownHosts: string;
}

export interface FrontWorld {
  readonly base: string;
  readonly server: ServerProcess;
  readonly user: TestUser;
  readonly web: FrontedTarget;
  readonly db: FrontedTarget;
  readonly auditorPrivateKey: Uint8Array;
  /** bob's key (the client's own) and a fresh certificate for it. */
  readonly identityFile: string;
  admin(method: string, route: string, body?: unknown): Promise<Json>;
  certificateFor(target: FrontedTarget, person?: 'bob' | 'carol'): Promise<string>;
  /** The server's answer to a certificate request for `publicKey` (bob's): certificate line and target. */
  issue(target: FrontedTarget, publicKey: string): Promise<Json>;
  /** ssh through a target's front with a certificate file. */
  sshFront(
    target: FrontedTarget,
    certificateFile: string,
    command: string,
    extra?: Partial<Parameters<typeof runSsh>[0]>,
  ): Promise<SshResult>;
  /** The OpenSSH options (-F /dev/null, identity, certificate, pinned front host key) for ssh, scp, sftp. */
  clientOptions(target: FrontedTarget, certificateFile: string): Promise<string[]>;
  /** `ssh -tt` through a target's front in a terminal of the test's own (node-pty). */
  terminal(target: FrontedTarget, certificateFile: string): Promise<TestTerminal>;
  /** The logs the server holds for a target (uploaded by its agent), decrypted with the auditors' key. */
  serverLogs(target: FrontedTarget): Promise<{ logId: string; log: SessionLogContents }[]>;
  stop(): Promise<void>;
}

/**
 * `serverArgs`: more options for latchkey-server (e.g. shorter certificate lifetimes); `storeArgs`: its
 * database and CA key options, given to its `user add` commands too (e.g. `--database-url`); `agentArgs`:
 * more `latchkey-agent run` options for both agents (e.g. a connector's `--route`), or per hostname.
 */
export async function startFrontWorld(
  options: {
    serverArgs?: string[];
    storeArgs?: string[];
    agentArgs?: string[] | ((hostname: string) => string[]);
  } = {},
): Promise<FrontWorld> {
  const base = await mkdtemp(path.join(tmpdir(), 'latchkey-front-e2e-'));
  const cleanup = registerCleanup(`front e2e dir ${base}`, () => rm(base, { recursive: true, force: true }));
  await mkdir(path.join(base, 'client'), { mode: 0o700 });
  const auditor = generateHpkeKeyPair();
  const port = await findFreePort('127.0.0.1');
  const serverDir = path.join(base, 'server');
  const server = await startServerProcess([
    '--data-dir',
    serverDir,
    '--listen',
    `127.0.0.1:${port}`,
    ...(options.storeArgs ?? []),
    ...(options.serverArgs ?? []),
  ]);
  const adminToken = (await readFile(path.join(serverDir, 'admin.token'), 'utf8')).trim();
  const accounts = await api(server, 'GET', '/client/v4/accounts', adminToken);
  const accountBase = `/client/v4/accounts/${accounts.body.result[0].id}`;
  const admin = async (method: string, route: string, body?: unknown): Promise<Json> => {
    const answer = await api(server, method, `${accountBase}${route}`, adminToken, body);
    assert.ok(answer.status < 300, `${method} ${route}: ${JSON.stringify(answer.body)}`);
    return answer.body.result;
  };
  for (const email of ['bob@corp.example', 'carol@corp.example']) {
    const added = await runServerCommand(
      ['user', 'add', email, '--data-dir', serverDir, ...(options.storeArgs ?? [])],
      30_000,
      `${email} long password\n`,
    );
    assert.equal(added.code, 0, added.stderr);
  }
  await admin('POST', '/access/gateway_ca');
  await admin('PUT', '/gateway/audit_ssh_settings', { public_key: encodeAuditorKey(auditor.publicKey) });

  const user = await createTestUser();
  await writeFile(path.join(user.home, '.bashrc'), "PS1='[lk-prompt] '\n");
  await chown(path.join(user.home, '.bashrc'), user.uid, user.gid);
  for (const [hostname, email] of [
    ['web-1', 'bob@corp.example'],
    ['db-1', 'carol@corp.example'],
  ] as const) {
    await admin('POST', '/access/apps', {
      name: `${hostname} over ssh`,
      type: 'infrastructure',
      target_criteria: [{ target_attributes: { hostname: [hostname] }, port: 22, protocol: 'SSH' }],
      policies: [
        {
          name: email,
          decision: 'allow',
          include: [{ email: { email } }],
          // bob on web-1 may forward ports and his agent; carol on db-1 may not.
          connection_rules: {
            ssh: {
              usernames: [user.name],
              ...(hostname === 'web-1' ? { allow_agent_forwarding: true, allow_port_forwarding: true } : {}),
            },
          },
        },
      ],
    });
  }

  // Both targets are 127.0.0.1 here: two sites in two virtual networks.
  await admin('POST', '/teamnet/virtual_networks', { name: 'site-b' });
  const startTarget = async (hostname: string, vnet?: string): Promise<FrontedTarget> => {
    const stateDir = path.join(base, `${hostname}-state`);
    const sshd = await startSshd();
    const joinToken = (await admin('POST', '/latchkey/join_tokens', { name: hostname })).token;
    const enrolled = await runAgent([
      'enroll',
      '--server',
      server.url,
      '--token',
      joinToken,
      '--state-dir',
      stateDir,
      '--hostname',
      hostname,
      '--interface',
      'lo',
      ...(vnet === undefined ? [] : ['--vnet', vnet]),
    ]);
    assert.equal(enrolled.code, 0, enrolled.stderr);
    const agent = startAgent(
      [
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
        ...(typeof options.agentArgs === 'function'
          ? options.agentArgs(hostname)
          : (options.agentArgs ?? [])),
      ],
      { cleanup: false },
    );
    registerCleanup(`agent ${hostname}`, async () => {
      await agent.stop();
    });
    await agent.waitForOutput(/sshd now trusts the CA/, 30_000);
    await agent.waitForOutput(/session recording is on/, 30_000);
    const frontPort = Number(/ssh front listening on 127\.0\.0\.1:(\d+)/.exec(agent.output())?.[1]);
    const targets = (await admin('GET', `/infrastructure/targets?hostname=${hostname}`)) as Json[];
    assert.equal(targets.length, 1, `${hostname} is not registered; its agent said:\n${agent.output()}`);
    const targetId = targets[0].id as string;
    return { hostname, sshd, agent, stateDir, targetId, frontPort, frontKnownHosts: '' };
  };
  const web = await startTarget('web-1');
  const db = await startTarget('db-1', 'site-b');

  const identityFile = path.join(base, 'client', 'id_ed25519');
  await generateKeyWithSshKeygen(identityFile);
  const tokens: Record<string, string> = {};
  const tokenOf = async (person: 'bob' | 'carol'): Promise<string> => {
    tokens[person] ??= (
      await signInBuiltIn(server.url, `${person}@corp.example`, `${person}@corp.example long password`)
    ).access_token;
    return tokens[person]!;
  };
  // Each target's front reaches people's target lists through its agent's heartbeat.
  for (const [target, person] of [
    [web, 'bob'],
    [db, 'carol'],
  ] as const) {
    let last: Json;
    const listed = await eventually(`${target.hostname}'s front in the target list`, 30_000, async () => {
      const answer = await getJson(server.url, '/v1/me/targets', await tokenOf(person));
      last = { targets: answer.body, agents: await admin('GET', '/latchkey/agents') };
      const entry = (answer.body.result as Json[]).find((t) => t.hostname === target.hostname);
      return entry?.front === undefined ? undefined : entry;
    }).catch((error: Error) => {
      throw new Error(`${error.message}: ${JSON.stringify(last)}\n${target.agent.output()}`);
    });
    assert.equal(listed.port, target.frontPort, 'the listed port is the front');
    target.frontKnownHosts = `[127.0.0.1]:${target.frontPort} ${listed.front.host_key}`;
  }

  let serial = 0;
  const downloaded = new Map<string, SessionLogContents>();
  const world: FrontWorld = {
    base,
    server,
    user,
    web,
    db,
    auditorPrivateKey: auditor.privateKey,
    identityFile,
    admin,
    async issue(target, publicKey) {
      const issued = await postJson(server.url, '/v1/me/certificates', await tokenOf('bob'), {
        target_id: target.targetId,
        username: user.name,
        public_key: publicKey,
      });
      assert.equal(issued.status, 200, JSON.stringify(issued.body));
      return issued.body.result;
    },
    async certificateFor(target, person = 'bob') {
      const publicKey = (await readFile(`${identityFile}.pub`, 'utf8')).trim();
      const issued = await postJson(server.url, '/v1/me/certificates', await tokenOf(person), {
        target_id: target.targetId,
        username: user.name,
        public_key: publicKey,
      });
      assert.equal(issued.status, 200, JSON.stringify(issued.body));
      const file = path.join(base, 'client', `cert-${++serial}-cert.pub`);
      await writeFile(file, `${issued.body.result.certificate}\n`);
      return file;
    },
    async sshFront(target, certificateFile, command, extra = {}) {
      const knownHostsFile = path.join(base, 'client', `known_hosts-${target.hostname}`);
      await writeFile(knownHostsFile, `${target.frontKnownHosts}\n`);
      return runSsh({
        host: '127.0.0.1',
        port: target.frontPort,
        knownHostsFile,
        user: user.name,
        identityFile,
        certificateFile,
        command,
        ...extra,
      });
    },
    async clientOptions(target, certificateFile) {
      const knownHostsFile = path.join(base, 'client', `known_hosts-${target.hostname}`);
      await writeFile(knownHostsFile, `${target.frontKnownHosts}\n`);
      return [
        ...['-F', '/dev/null', '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes'],
        ...['-o', `IdentityFile=${identityFile}`, '-o', `CertificateFile=${certificateFile}`],
        ...['-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${knownHostsFile}`],
        ...['-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'ControlPath=none'],
      ];
    },
    async terminal(target, certificateFile) {
      const knownHostsFile = path.join(base, 'client', `known_hosts-${target.hostname}`);
      await writeFile(knownHostsFile, `${target.frontKnownHosts}\n`);
      return new TestTerminal([
        '-tt',
        ...['-F', '/dev/null', '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-o', 'IdentityAgent=none'],
        ...['-o', `IdentityFile=${identityFile}`, '-o', `CertificateFile=${certificateFile}`],
        ...['-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${knownHostsFile}`],
        ...['-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'ControlPath=none'],
        ...['-p', String(target.frontPort), '-l', user.name, '127.0.0.1'],
      ]);
    },
    async serverLogs(target) {
      const listed = (await admin('GET', `/ssh_logs?target_id=${target.targetId}&per_page=1000`)) as Json[];
      const out = [];
      for (const entry of listed) {
        const id = (entry.id ?? entry.log_id) as string;
        if (downloaded.has(id)) {
          out.push({ logId: id, log: downloaded.get(id)! });
          continue;
        }
        const response = await fetch(`${server.url}${accountBase}/ssh_logs/${id}/file`, {
          headers: { authorization: `Bearer ${adminToken}` },
        });
        assert.equal(response.status, 200, await response.clone().text());
        const log = readSessionLog(Buffer.from(await response.arrayBuffer()), auditor.privateKey);
        downloaded.set(id, log);
        out.push({ logId: id, log });
      }
      return out;
    },
    async stop() {
      await web.agent.stop();
      await db.agent.stop();
      await web.sshd.stop();
      await db.sshd.stop();
      await server.stop();
      await removeTestUser(user);
      await rm(base, { recursive: true, force: true });
      cleanup.release();
    },
  };
  await chmod(base, 0o755);
  return world;
}
