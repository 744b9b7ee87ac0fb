// Big session logs go from an agent's spool to the access server without either side holding them in
// memory (issue 19). Real processes: the latchkey-server executable (SQLite in a temp dir), an agent
// enrolled with a join token, a session issued the real way (a person signs in and gets a certificate for
// the agent's target), and the agent's upload path (SpoolStore, SpooledLogUploader, AgentServerClient) in
// a process of its own (upload-driver.ts) whose memory is read from /proc/<pid>/status.
//
// 1. A 256 MiB log (sealed by the real writer into the real spool) uploads with the server's defaults;
//    the agent's and the server's resident high-water marks grow by far less than the log; the download
//    is the spooled file byte for byte (SHA-256).
// 2. An upload cut off mid-body leaves nothing on the server (no log, no stored or staged bytes) and the
//    log in the spool; the next pass uploads it, and the auditor's key opens what the server gives back.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import {
  encodeAuditorKey,
  generateHpkeKeyPair,
  generateSshKeyPair,
  readSessionLog,
  type SessionIdentity,
} from '@latchkey/shared';
import { eventually, findFreePort, registerCleanup } from '../../harness/index.js';
import { postJson, signInBuiltIn } from '../../server/sign-in/sign-in-client.js';
import { runAgent } from '../agent/agent-process.js';
import {
  api,
  runServerCommand,
  startServerProcess,
  type Json,
  type ServerProcess,
} from '../server/server-process.js';
import { expectedPlaintextSha256, type BigSpooledLog } from './big-spooled-log.js';

const MiB = 1024 * 1024;
/** The big log's plaintext, MiB (LATCHKEY_BIG_LOG_MIB: the bench figure of docs/access-server.md used 300). */
const BIG_LOG_MIB = Number(process.env.LATCHKEY_BIG_LOG_MIB ?? 256);
const DRIVER = fileURLToPath(new URL('./upload-driver.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface DriverUpload {
  outcome: { uploaded: string[]; held: string[]; unavailable: boolean };
  lines: string[];
  baselineRssKiB: number;
  peakRssKiB: number;
}

/** Runs the upload driver (its own process) and parses its one JSON line. */
function runDriver<T>(command: 'write' | 'upload', options: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--expose-gc',
        '--conditions=latchkey-source',
        '--import',
        'tsx',
        DRIVER,
        command,
        JSON.stringify(options),
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const handle = registerCleanup(`upload driver ${child.pid}`, async () => void child.kill('SIGKILL'));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      handle.release();
      if (code !== 0) reject(new Error(`upload driver ${command} exited ${code}:\n${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop()!) as T);
    });
  });
}

async function procStatusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  if (match === null) throw new Error(`no ${field} for ${pid}`);
  return Number(match[1]);
}

/**
 * A loopback TCP proxy to the server that, once a connection has carried `cutAfter` bytes of a
 * session-log PUT, destroys both sides: the upload breaks off mid-body, as when a link fails.
 */
class CuttingProxy {
  cuts = 0;
  url = '';
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;

  constructor(upstreamPort: number, cutAfter: number) {
    this.server = createServer((client) => {
      const upstream = connect(upstreamPort, '127.0.0.1');
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      upstream.on('close', () => client.destroy());
      client.on('close', () => upstream.destroy());
      upstream.pipe(client);
      let putBytes = -1;
      client.on('data', (data: Buffer) => {
        if (putBytes < 0 && data.includes('PUT /v1/agents/ssh_logs/')) putBytes = 0;
        if (putBytes >= 0) putBytes += data.length;
        if (putBytes > cutAfter) {
          this.cuts += 1;
          client.destroy();
          upstream.destroy();
          return;
        }
        upstream.write(data);
      });
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
    registerCleanup('cutting proxy', () => this.close());
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe('e2e: big session logs upload without being held in memory, and a cut-off upload leaves nothing', function () {
  this.timeout(600_000);
  let base: string;
  let server: ServerProcess;
  let adminToken: string;
  let accountBase: string;
  let agentToken: string;
  let targetId: string;
  const auditor = generateHpkeKeyPair();
  const dataDir = () => path.join(base, 'server');

  const admin = async (method: string, route: string, body?: unknown): Promise<Json> => {
    const answer = await api(server, method, `${accountBase}${route}`, adminToken, body);
    assert.ok(answer.status < 300, `${method} ${route}: ${JSON.stringify(answer.body)}`);
    return answer.body.result;
  };

  /** A session issued the real way: bob signs in and gets a certificate for the agent's target. */
  async function issuedIdentity(): Promise<SessionIdentity> {
    const tokens = await signInBuiltIn(server.url, 'bob@corp.example', 'bob long password');
    const issued = await postJson(server.url, '/v1/me/certificates', tokens.access_token, {
      target_id: targetId,
      username: 'deploy',
      public_key: generateSshKeyPair('ed25519').publicKey.toAuthorizedKey(),
    });
    assert.equal(issued.status, 200, JSON.stringify(issued.body));
    return {
      session_id: issued.body.result.session_id,
      target_id: targetId,
      user_email: 'bob@corp.example',
      principal: 'deploy',
      program_type: 'exec',
      command: 'scp -t /srv/images',
    } as SessionIdentity;
  }

  async function spoolLog(spoolDir: string, plaintextBytes: number): Promise<BigSpooledLog> {
    return runDriver<BigSpooledLog>('write', {
      spoolDir,
      auditorPublicKey: Buffer.from(auditor.publicKey).toString('base64'),
      identity: await issuedIdentity(),
      unixUser: 'deploy',
      plaintextBytes,
    });
  }

  /** The stored file, streamed: its size and SHA-256 (and the bytes, when `keep`). */
  async function download(logId: string, keep = false) {
    const response = await fetch(`${server.url}${accountBase}/ssh_logs/${logId}/file`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    assert.equal(response.status, 200, await response.clone().text());
    const hash = createHash('sha256');
    const pieces: Uint8Array[] = [];
    let size = 0;
    for await (const piece of response.body as unknown as AsyncIterable<Uint8Array>) {
      hash.update(piece);
      size += piece.length;
      if (keep) pieces.push(piece);
    }
    return { size, sha256: hash.digest('hex'), bytes: Buffer.concat(pieces) };
  }

  function storedRows(): { files: number; staged: number } {
    const db = new Database(path.join(dataDir(), 'latchkey.db'), { readonly: true });
    try {
      const count = (table: string) =>
        (db.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
      return { files: count('ssh_log_files'), staged: count('ssh_log_uploads') };
    } finally {
      db.close();
    }
  }

  before(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'latchkey-big-log-'));
    registerCleanup(`big log dir ${base}`, () => rm(base, { recursive: true, force: true }));
    const port = await findFreePort('127.0.0.1');
    // The defaults (no --max-log-size): a log of several hundred MB must upload with them.
    server = await startServerProcess(['--data-dir', dataDir(), '--listen', `127.0.0.1:${port}`]);
    adminToken = (await readFile(path.join(dataDir(), 'admin.token'), 'utf8')).trim();
    const accounts = await api(server, 'GET', '/client/v4/accounts', adminToken);
    accountBase = `/client/v4/accounts/${accounts.body.result[0].id}`;
    const added = await runServerCommand(
      ['user', 'add', 'bob@corp.example', '--data-dir', dataDir()],
      30_000,
      'bob long password\n',
    );
    assert.equal(added.code, 0, added.stderr);
    await admin('POST', '/access/gateway_ca');
    await admin('PUT', '/gateway/audit_ssh_settings', { public_key: encodeAuditorKey(auditor.publicKey) });
    const joinToken = (await admin('POST', '/latchkey/join_tokens', { name: 'big logs' })).token;
    const stateDir = path.join(base, 'agent');
    const enrolled = await runAgent([
      'enroll',
      '--server',
      server.url,
      '--token',
      joinToken,
      '--state-dir',
      stateDir,
      '--hostname',
      'big-box',
      '--interface',
      'lo',
    ]);
    assert.equal(enrolled.code, 0, enrolled.stderr);
    const enrolment = JSON.parse(await readFile(path.join(stateDir, 'enrolment.json'), 'utf8'));
    agentToken = enrolment.apiToken;
    // The agent's one target, registered as the daemon registers it (its mirror of the targets API).
    const created = await api(
      server,
      'POST',
      `/v1/agents/client/v4/accounts/${enrolment.accountId}/infrastructure/targets`,
      agentToken,
      { hostname: 'big-box', ip: { ipv4: { ip_addr: '127.0.0.1' } } },
    );
    assert.equal(created.status, 200, JSON.stringify(created.body));
    targetId = created.body.result.id;
    await admin('POST', '/access/apps', {
      name: 'big-box over ssh',
      type: 'infrastructure',
      target_criteria: [{ target_attributes: { hostname: ['big-box'] }, port: 22, protocol: 'SSH' }],
      policies: [
        {
          name: 'bob',
          decision: 'allow',
          include: [{ email: { email: 'bob@corp.example' } }],
          connection_rules: { ssh: { usernames: ['deploy'] } },
        },
      ],
    });
  });

  after(async () => {
    await server?.stop();
    if (base) await rm(base, { recursive: true, force: true });
  });

  it(`a ${BIG_LOG_MIB} MiB log uploads with the defaults, neither the agent nor the server holding it; the download is the same file`, async () => {
    const spoolDir = path.join(base, 'spool-big');
    const log = await spoolLog(spoolDir, BIG_LOG_MIB * MiB);
    assert.ok(log.size > BIG_LOG_MIB * MiB);

    const serverBaselineKiB = await procStatusKiB(server.pid, 'VmRSS');
    await writeFile(`/proc/${server.pid}/clear_refs`, '5'); // the server's VmHWM counts from here
    const upload = await runDriver<DriverUpload>('upload', {
      spoolDir,
      server: server.url,
      token: agentToken,
    });
    const serverPeakKiB = await procStatusKiB(server.pid, 'VmHWM');
    assert.deepEqual(
      upload.outcome,
      { uploaded: [log.logId], held: [], unavailable: false },
      upload.lines.join('\n'),
    );
    assert.deepEqual(await readdir(spoolDir), [], 'the spool is empty once the server has the log');

    // The old upload read the whole log and joined it with its header (two copies of 256 MiB in the
    // agent), and the server held the body whole before storing it.
    const agentGrowth = (upload.peakRssKiB - upload.baselineRssKiB) * 1024;
    const serverGrowth = (serverPeakKiB - serverBaselineKiB) * 1024;
    process.stderr.write(
      `      ${Math.round(log.size / MiB)} MiB log: agent VmHWM ${Math.round(upload.peakRssKiB / 1024)} MiB ` +
        `(RSS before ${Math.round(upload.baselineRssKiB / 1024)}), server VmHWM ${Math.round(serverPeakKiB / 1024)} MiB ` +
        `(RSS before ${Math.round(serverBaselineKiB / 1024)})\n`,
    );
    assert.ok(
      agentGrowth < 64 * MiB,
      `the agent's RSS grew ${Math.round(agentGrowth / MiB)} MiB while uploading`,
    );
    assert.ok(
      serverGrowth < 96 * MiB,
      `the server's RSS grew ${Math.round(serverGrowth / MiB)} MiB while storing`,
    );

    const [listed] = (await admin('GET', `/ssh_logs?target_id=${targetId}`)) as Json[];
    assert.equal(listed.id, log.logId);
    assert.equal(listed.size_bytes, log.size);
    assert.equal(listed.sha256, log.sha256);
    const downloaded = await download(log.logId);
    assert.equal(downloaded.size, log.size);
    assert.equal(downloaded.sha256, log.sha256, 'byte for byte');
    assert.deepEqual(storedRows(), { files: Math.ceil(log.size / MiB), staged: 0 });
  });

  it('an upload cut off mid-body stores nothing and leaves the log spooled; the next pass uploads it and the auditor key opens it', async () => {
    const spoolDir = path.join(base, 'spool-cut');
    await mkdir(spoolDir, { recursive: true });
    const plaintextBytes = 24 * MiB;
    const log = await spoolLog(spoolDir, plaintextBytes);
    const before = storedRows();
    const proxy = new CuttingProxy(Number(new URL(server.url).port), 8 * MiB);
    await proxy.start();
    try {
      const cut = await runDriver<DriverUpload>('upload', { spoolDir, server: proxy.url, token: agentToken });
      assert.equal(proxy.cuts, 1);
      assert.equal(cut.outcome.unavailable, true, cut.lines.join('\n'));
    } finally {
      await proxy.close();
    }
    assert.equal((await readdir(spoolDir)).length, 2, 'the log (state and chunks) is still spooled');
    // The server notices the broken body, and deletes what it had written of it.
    await eventually('the cut-off upload cleared away', 20_000, async () => {
      const rows = storedRows();
      return rows.files === before.files && rows.staged === 0 ? true : undefined;
    });
    const logs = (await admin('GET', `/ssh_logs?target_id=${targetId}`)) as Json[];
    assert.ok(!logs.some((entry) => entry.id === log.logId), 'no log listed');

    const retry = await runDriver<DriverUpload>('upload', {
      spoolDir,
      server: server.url,
      token: agentToken,
    });
    assert.deepEqual(
      retry.outcome,
      { uploaded: [log.logId], held: [], unavailable: false },
      retry.lines.join('\n'),
    );
    const downloaded = await download(log.logId, true);
    assert.equal(downloaded.sha256, log.sha256);
    const opened = readSessionLog(downloaded.bytes, auditor.privateKey);
    assert.equal(opened.integrity.status, 'verified', opened.integrity.problems.join('\n'));
    assert.equal(opened.integrity.identity?.user_email, 'bob@corp.example');
    const plaintext = createHash('sha256');
    for (const packet of opened.packets) plaintext.update(packet.data);
    assert.equal(plaintext.digest('hex'), expectedPlaintextSha256(plaintextBytes));
  });
});
