/**
 * Issue #14's "several servers", everything real: two latchkey-server processes on one PostgreSQL, the
 * front world's two agents (test/e2e/front/front-fixture.ts) with their SSH fronts and sshds, and people
 * signed in to the second server only.
 *
 * Server A is the one the agents enrolled with. web-1's agent keeps one link (`--tunnel-links 1`), so it is
 * on A only; db-1's keeps two (the default) and takes a second link to B once A tells it B is alive.
 *
 * - bob, on B, reaches web-1 (its link on A) with plain ssh and `latchkey proxy` as its ProxyCommand: B
 *   checks him and forwards one hop to A; the audit event names both servers.
 * - carol, on B, is refused web-1 before anything reaches A or the agent.
 * - A connector's stream (an agentless target behind web-1's agent) is forwarded the same way.
 * - A refuses a forwarded stream without a genuine, fresh, unseen peer credential for A; B does not forward
 *   a forwarded request on.
 * - kill -9 A: new streams through B reach both agents within a bound derived from the presence's
 *   staleness, measured and printed.
 * - SIGTERM of a restarted A fails no new connection through B, and its presence rows are gone at once.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WebSocket } from 'ws';
import { eventually, findFreePort, registerCleanup, runCommand } from '../../harness/index.js';
import { startPostgres, type RunningPostgres } from '../../harness/postgres.js';
import { startFrontWorld, type FrontWorld, type FrontedTarget } from '../front/front-fixture.js';
import { LATCHKEY_BIN, loginWithDeviceFlow, makeCliHome, type CliHome } from '../cli/latchkey-cli.js';
import { runLatchkey } from '../cli/latchkey-cli.js';
import { api, startServerProcess, type Json, type ServerProcess } from '../server/server-process.js';
import { postJson, signInBuiltIn } from '../../server/sign-in/sign-in-client.js';
import { openStore } from '../../../server/src/adapters/db/open-store.js';
import { loadOrCreateKeyFile } from '../../../server/src/adapters/crypto/key-file-protector.js';
import type { Store } from '../../../server/src/app/ports/store.js';
import { PEER_SECRET_CONTEXT } from '../../../server/src/app/tunnel/tunnel-presence.js';
import {
  PEER_DIAL_TIMEOUT_MS,
  PEER_REQUEST_HEADER,
  PEER_REQUEST_LIFETIME_MS,
  PRESENCE_STALE_AFTER_MS,
  signPeerRequest,
  type PeerStreamRequest,
} from '../../../server/src/domain/tunnel-peering.js';

/**
 * The failover bound, from the presence's rules (domain/tunnel-peering.ts): B may still try A's rows
 * until they are stale (PRESENCE_STALE_AFTER_MS), each try failing within PEER_DIAL_TIMEOUT_MS (at once
 * for a killed process: the connection is refused); an agent with one link dials again within its first
 * two backoffs (0.5 s, then 1 s, full jitter) and goes to B on its second dial at most.
 */
const FAILOVER_BOUND_MS = PRESENCE_STALE_AFTER_MS + PEER_DIAL_TIMEOUT_MS + 1_500;

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

describe('tunnel: several servers on one PostgreSQL', function () {
  this.timeout(300_000);
  let postgres: RunningPostgres;
  let databaseUrl: string;
  let keysDir: string;
  let caKeyFile: string;
  let world: FrontWorld;
  let serverA: ServerProcess;
  let serverB: ServerProcess;
  let store: Store;
  let bob: CliHome;
  let carol: CliHome;
  /** An admin's API request (the token server A wrote at its first start) to either server. */
  const adminOn = async (server: ServerProcess, method: string, route: string) =>
    api(
      server,
      method,
      route,
      (await readFile(path.join(world.base, 'server', 'admin.token'), 'utf8')).trim(),
    );
  const storeArgs = () => ['--database-url', databaseUrl, '--ca-key-file', caKeyFile];
  const startServer = async (name: string, port?: number) =>
    startServerProcess([
      '--data-dir',
      path.join(keysDir, name),
      '--listen',
      `127.0.0.1:${port ?? (await findFreePort('127.0.0.1'))}`,
      ...storeArgs(),
    ]);

  before(async function () {
    this.timeout(600_000);
    postgres = await startPostgres();
    databaseUrl = await postgres.createDatabase();
    keysDir = await mkdtemp(path.join(tmpdir(), 'latchkey-several-'));
    registerCleanup('several servers dir', () => rm(keysDir, { recursive: true, force: true }));
    caKeyFile = path.join(keysDir, 'ca-encryption.key');
    world = await startFrontWorld({
      storeArgs: storeArgs(),
      // web-1's agent is also a connector for its own loopback address (an agentless target below).
      agentArgs: (hostname) =>
        hostname === 'web-1' ? ['--tunnel-links', '1', '--route', '127.0.0.1/32'] : [],
    });
    serverA = world.server;
    for (const target of [world.web, world.db]) {
      await target.agent.waitForOutput(/tunnel: connected to /, 30_000);
    }
    serverB = await startServer('b');
    // db-1 hears of B from A and takes its second link there; web-1 keeps its one.
    await world.db.agent.waitForOutput(new RegExp(`tunnel: connected to ${escape(serverB.url)}`), 30_000);
    store = await openStore({ databaseUrl });
    bob = await makeCliHome(path.join(world.base, 'bob-on-b'), serverB.url);
    carol = await makeCliHome(path.join(world.base, 'carol-on-b'), serverB.url);
    for (const [cli, email] of [
      [bob, 'bob@corp.example'],
      [carol, 'carol@corp.example'],
    ] as const) {
      const login = await loginWithDeviceFlow(cli, { email, password: `${email} long password` });
      assert.equal(login.code, 0, login.stderr);
    }
  });

  after(async () => {
    await store?.close();
    await serverB?.stop();
    await world?.stop();
    await postgres?.stop();
    if (keysDir !== undefined) await rm(keysDir, { recursive: true, force: true });
  });

  const auditEvents = async (server: ServerProcess, action: string): Promise<Json[]> => {
    const answer = await adminOn(server, 'GET', `/v1/audit?action=${action}&per_page=100`);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body.result as Json[];
  };

  const accessToken = async (server: ServerProcess, person: 'bob' | 'carol') =>
    (await signInBuiltIn(server.url, `${person}@corp.example`, `${person}@corp.example long password`))
      .access_token;

  /** ssh options that reach `target` only through `latchkey proxy` against B, with a certificate from `issuer`. */
  const throughB = async (target: FrontedTarget, issuer: ServerProcess, person: 'bob' | 'carol' = 'bob') => {
    const publicKey = (await readFile(`${world.identityFile}.pub`, 'utf8')).trim();
    const issued = await postJson(issuer.url, '/v1/me/certificates', await accessToken(issuer, person), {
      target_id: target.targetId,
      username: world.user.name,
      public_key: publicKey,
    });
    assert.equal(issued.status, 200, JSON.stringify(issued.body));
    const certificate = path.join(world.base, 'client', `several-${randomUUID()}-cert.pub`);
    await writeFile(certificate, `${issued.body.result.certificate}\n`);
    const options = await world.clientOptions(target, certificate);
    const proxy = `${process.execPath} ${LATCHKEY_BIN} proxy ${target.targetId} %p`;
    return [...options, '-o', `ProxyCommand=${proxy}`, '-p', String(target.frontPort), '-l', world.user.name];
  };

  /**
   * One stream through `server` to `targetId`: 'banner' once the SSH front's banner came back through it,
   * else the server's refusal.
   */
  const bannerThrough = (server: ServerProcess, token: string, targetId: string) =>
    new Promise<{ ok: true } | { ok: false; why: string }>((resolve) => {
      const url = `${server.url.replace(/^http/, 'ws')}/v1/tunnel/connect?target=${targetId}`;
      const ws = new WebSocket(url, 'latchkey.stream.v1', { headers: { authorization: `Bearer ${token}` } });
      const done = (outcome: { ok: true } | { ok: false; why: string }) => {
        ws.terminate();
        resolve(outcome);
      };
      ws.on('message', (data: Buffer) =>
        done(data.toString('latin1').startsWith('SSH-2.0') ? { ok: true } : { ok: false, why: 'no banner' }),
      );
      ws.on('unexpected-response', (_request, response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => done({ ok: false, why: `${response.statusCode} ${body}` }));
      });
      ws.on('error', (error) => done({ ok: false, why: error.message }));
    });

  /** `GET /v1/tunnel/peer` with `credential`: the HTTP status of the refusal, or 101 with the first bytes. */
  const peerDial = (server: ServerProcess, credential: string | undefined) =>
    new Promise<{ status: number; body: string }>((resolve) => {
      const url = `${server.url.replace(/^http/, 'ws')}/v1/tunnel/peer`;
      const ws = new WebSocket(url, 'latchkey.peer.v1', {
        headers: credential === undefined ? {} : { [PEER_REQUEST_HEADER]: credential },
      });
      const done = (outcome: { status: number; body: string }) => {
        ws.terminate();
        resolve(outcome);
      };
      ws.on('message', (data: Buffer) => done({ status: 101, body: data.toString('latin1') }));
      ws.on('unexpected-response', (_request, response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => done({ status: response.statusCode ?? 0, body }));
      });
      ws.on('error', (error) => done({ status: 0, body: error.message }));
    });

  const liveServerId = async (server: ServerProcess): Promise<string> => {
    // Every registered row (a loaded machine may stamp late): the newest process on that URL.
    const live = await store.tunnelPresence.liveServers(new Date(0));
    const found = live
      .filter((entry) => entry.peerUrl === server.url)
      .sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime())[0];
    assert.ok(found, `${server.url} among ${JSON.stringify(live)}`);
    return found.id;
  };

  const agentIdOf = async (target: FrontedTarget): Promise<string> => {
    const agents = (await world.admin('GET', '/latchkey/agents')) as Json[];
    const agent = agents.find((entry) => entry.target_id === target.targetId);
    assert.ok(agent, JSON.stringify(agents));
    return agent.id as string;
  };

  it("a person on B reaches web-1 through A's link: one hop, recorded with both servers", async () => {
    assert.doesNotMatch(world.web.agent.output(), new RegExp(`connected to ${escape(serverB.url)}`));
    const mark = world.web.agent.mark();
    const forwardedAtA = serverA.output().length;
    const result = await runCommand(
      '/usr/bin/ssh',
      [...(await throughB(world.web, serverB)), '127.0.0.1', 'echo via-b-$((6*7))'],
      { env: bob.env, timeoutMs: 60_000 },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /via-b-42/);
    await world.web.agent.waitForOutput(/tunnel: stream \S+ from bob@corp\.example/, 10_000, mark);
    assert.match(serverA.output().slice(forwardedAtA), /forwarded by server/);
    const opened = await eventually('the tunnel.stream.open event naming both servers', 10_000, async () =>
      (await auditEvents(serverB, 'tunnel.stream.open')).find(
        (event) => event.resource_id === world.web.targetId && event.after?.servers?.length === 2,
      ),
    );
    assert.deepEqual(opened.after.servers, [serverB.url, serverA.url]);
    assert.equal(opened.actor, 'user:bob@corp.example');
    // B's target list says web-1 is reachable through the tunnel now (its link is on A).
    const mine = await fetch(`${serverB.url}/v1/me/targets`, {
      headers: { authorization: `Bearer ${await accessToken(serverB, 'bob')}` },
    });
    const targets = ((await mine.json()) as Json).result as Json[];
    assert.equal(
      targets.find((entry) => entry.id === world.web.targetId)?.tunnel,
      true,
      JSON.stringify(targets),
    );
  });

  it('a person no policy lets in is refused on B before anything reaches A or the agent', async () => {
    const mark = world.web.agent.mark();
    const atA = serverA.output().length;
    const refused = await runLatchkey(carol, ['proxy', world.web.targetId], { timeoutMs: 30_000 });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, new RegExp(`no policy lets you reach ${world.web.targetId}`));
    const denied = await auditEvents(serverB, 'tunnel.stream.deny');
    assert.ok(denied.some((event) => event.after?.person === 'carol@corp.example'));
    assert.doesNotMatch(world.web.agent.output().slice(mark), /tunnel: stream/);
    assert.doesNotMatch(serverA.output().slice(atA), /forwarded|tunnel\/peer/);
  });

  it('A takes a forwarded stream only with a genuine, fresh, unseen credential for A; B never forwards one on', async () => {
    const [idA, idB, agent] = await Promise.all([
      liveServerId(serverA),
      liveServerId(serverB),
      agentIdOf(world.web),
    ]);
    const protector = await loadOrCreateKeyFile(caKeyFile);
    const key = await protector.open(
      await store.tunnelPresence.peerSecret(new Uint8Array(0)),
      PEER_SECRET_CONTEXT,
    );
    const accountId = (await adminOn(serverA, 'GET', '/client/v4/accounts')).body.result[0].id as string;
    const request = (change: Partial<PeerStreamRequest> = {}): PeerStreamRequest => ({
      v: 1,
      from: idB,
      to: idA,
      agent,
      account: accountId,
      stream: randomUUID(),
      person: 'bob@corp.example',
      client: '127.0.0.1',
      port: world.web.frontPort,
      iat: Date.now(),
      exp: Date.now() + PEER_REQUEST_LIFETIME_MS,
      ...change,
    });
    const mark = world.web.agent.mark();
    const refusals: [string, string | undefined, RegExp][] = [
      ['absent', undefined, /\(absent\)/],
      ['garbage', 'not-a-credential', /\(malformed\)/],
      ['forged', signPeerRequest(randomBytes(32), request()), /\(bad_signature\)/],
      ['for B, sent to A', signPeerRequest(key, request({ to: idB })), /\(not_for_me\)/],
      [
        'expired',
        signPeerRequest(key, request({ iat: Date.now() - 60_000, exp: Date.now() - 50_000 })),
        /\(expired\)/,
      ],
    ];
    for (const [what, credential, reason] of refusals) {
      const answer = await peerDial(serverA, credential);
      assert.equal(answer.status, 401, `${what}: ${JSON.stringify(answer)}`);
      assert.match(answer.body, reason, what);
    }
    assert.doesNotMatch(world.web.agent.output().slice(mark), /tunnel: stream/, 'nothing reached the agent');
    // A genuine one opens the agent's front (its SSH banner comes back), once.
    const genuine = signPeerRequest(key, request());
    const opened = await peerDial(serverA, genuine);
    assert.equal(opened.status, 101, JSON.stringify(opened));
    assert.match(opened.body, /^SSH-2\.0/);
    const replayed = await peerDial(serverA, genuine);
    assert.equal(replayed.status, 401, JSON.stringify(replayed));
    assert.match(replayed.body, /\(replayed\)/);
    // One hop: B holds no link of web-1's agent and does not pass a peer's request on to A.
    const atA = serverA.output().length;
    const toB = await peerDial(serverB, signPeerRequest(key, request({ from: idA, to: idB })));
    assert.equal(toB.status, 503, JSON.stringify(toB));
    assert.match(toB.body, /has no tunnel to this server/);
    assert.doesNotMatch(serverA.output().slice(atA), /forwarded by server/);
    assert.equal(
      world.web.agent
        .output()
        .slice(mark)
        .match(/tunnel: stream/g)?.length,
      1,
      'the agent heard of the genuine stream only',
    );
  });

  it("a connector's stream is forwarded too: B to A, A to web-1's agent, which dials the address", async () => {
    // An agentless target at 127.0.0.1 in its own virtual network, its port web-1's sshd, routed to web-1's
    // agent (whose link is on A).
    const network = (await world.admin('POST', '/teamnet/virtual_networks', { name: 'site-conn' })) as Json;
    const agent = await agentIdOf(world.web);
    const port = world.web.sshd.port;
    const target = (await world.admin('POST', '/infrastructure/targets', {
      hostname: 'site-db',
      ip: { ipv4: { ip_addr: '127.0.0.1', virtual_network_id: network.id } },
    })) as Json;
    const route = (await world.admin('POST', '/teamnet/routes', {
      network: '127.0.0.1/32',
      tunnel_id: agent,
      virtual_network_id: network.id,
    })) as Json;
    const app = (await world.admin('POST', '/access/apps', {
      name: 'site-db over ssh',
      type: 'infrastructure',
      target_criteria: [{ target_attributes: { hostname: ['site-db'] }, port, protocol: 'SSH' }],
      policies: [
        {
          name: 'bob',
          decision: 'allow',
          include: [{ email: { email: 'bob@corp.example' } }],
          connection_rules: { ssh: { usernames: [world.user.name] } },
        },
      ],
    })) as Json;
    try {
      const mark = world.web.agent.mark();
      const token = await accessToken(serverB, 'bob');
      const outcome = await bannerThrough(serverB, token, `${target.id}&port=${port}`);
      assert.deepEqual(outcome, { ok: true });
      await world.web.agent.waitForOutput(new RegExp(`dials 127\\.0\\.0\\.1:${port}`), 10_000, mark);
      const opened = await eventually("the connector stream's open event", 10_000, async () =>
        (await auditEvents(serverB, 'tunnel.stream.open')).find((event) => event.resource_id === target.id),
      );
      assert.equal(opened.after.dialed, '127.0.0.1');
      assert.equal(opened.after.agent, agent);
      assert.deepEqual(opened.after.servers, [serverB.url, serverA.url]);
    } finally {
      await world.admin('DELETE', `/access/apps/${app.id}`);
      await world.admin('DELETE', `/teamnet/routes/${route.id}`);
      await world.admin('DELETE', `/infrastructure/targets/${target.id}`);
      await world.admin('DELETE', `/teamnet/virtual_networks/${network.id}`);
    }
  });

  it('kill -9 A: new streams through B reach both agents within the bound', async () => {
    const [bobToken, carolToken] = await Promise.all([
      accessToken(serverB, 'bob'),
      accessToken(serverB, 'carol'),
    ]);
    // Both work through B before: web-1 forwarded to A, db-1 on its own link to B.
    assert.deepEqual(await bannerThrough(serverB, bobToken, world.web.targetId), { ok: true });
    assert.deepEqual(await bannerThrough(serverB, carolToken, world.db.targetId), { ok: true });
    const killedAt = Date.now();
    await serverA.kill();
    const failover = async (token: string, target: FrontedTarget) => {
      const failures: string[] = [];
      await eventually(`${target.hostname} through B`, FAILOVER_BOUND_MS + 30_000, async () => {
        const outcome = await bannerThrough(serverB, token, target.targetId);
        if (outcome.ok) return true;
        failures.push(outcome.why);
        return undefined;
      });
      return { ms: Date.now() - killedAt, failures };
    };
    const [web, db] = await Promise.all([failover(bobToken, world.web), failover(carolToken, world.db)]);
    process.stdout.write(
      `      (after kill -9 of A: db-1, two links, through B in ${db.ms} ms; web-1, one link, ` +
        `moved to B in ${web.ms} ms; bound ${FAILOVER_BOUND_MS} ms)\n`,
    );
    assert.ok(db.ms < FAILOVER_BOUND_MS, `db-1 took ${db.ms} ms: ${db.failures.join('; ')}`);
    assert.ok(web.ms < FAILOVER_BOUND_MS, `web-1 took ${web.ms} ms: ${web.failures.join('; ')}`);
    await world.web.agent.waitForOutput(new RegExp(`tunnel: connected to ${escape(serverB.url)}`), 1_000);
    // A whole session through B, with a certificate B issues.
    const result = await runCommand(
      '/usr/bin/ssh',
      [...(await throughB(world.web, serverB)), '127.0.0.1', 'echo after-failover'],
      { env: bob.env, timeoutMs: 60_000 },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /after-failover/);
  });

  it('a clean stop of a server fails no new connection through the other, and removes its rows at once', async () => {
    // A again, on its port: db-1's first link comes back to it.
    const mark = world.db.agent.mark();
    const restarted = await startServer('a-again', Number(new URL(serverA.url).port));
    await world.db.agent.waitForOutput(
      new RegExp(`tunnel: connected to ${escape(restarted.url)}`),
      40_000,
      mark,
    );
    const restartedId = await liveServerId(restarted);
    const [bobToken, carolToken] = await Promise.all([
      accessToken(serverB, 'bob'),
      accessToken(serverB, 'carol'),
    ]);
    let stopped = false;
    let afterStop = 0;
    const outcomes: string[] = [];
    const load = (async () => {
      // New connections through B, one after another, until 20 have been made after A stopped.
      while (afterStop < 20) {
        for (const [token, target] of [
          [bobToken, world.web],
          [carolToken, world.db],
        ] as const) {
          const outcome = await bannerThrough(serverB, token, target.targetId);
          outcomes.push(outcome.ok ? 'ok' : `${target.hostname}: ${outcome.why}`);
          if (stopped) afterStop += 1;
        }
      }
    })();
    await eventually('connections through B before the stop', 30_000, async () =>
      outcomes.length >= 4 ? true : undefined,
    );
    await restarted.stop();
    stopped = true;
    // Its rows went with it, not after the staleness (the killed A's row, on the same URL, waits for its prune).
    const rows = await store.tunnelPresence.liveServers(new Date(0));
    assert.ok(!rows.some((row) => row.id === restartedId), JSON.stringify(rows));
    await load;
    const failed = outcomes.filter((outcome) => outcome !== 'ok');
    process.stdout.write(
      `      (${outcomes.length} connections through B while A stopped, ${failed.length} failed)\n`,
    );
    assert.deepEqual(failed, []);
    await world.db.agent.waitForOutput(/is going away; dialling again|link closed \(1012\)/, 10_000, mark);
  });
});
