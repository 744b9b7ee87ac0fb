/**
 * Issue #14's first slice, end to end and everything real: the latchkey-server process, two
 * `latchkey-agent run` daemons with their SSH fronts and sshds (test/e2e/front/front-fixture.ts), the
 * agents dialling out their tunnels, and OpenSSH's ssh, scp, sftp and rsync reaching a target through
 * `latchkey proxy` as their ProxyCommand. The policy refuses carol on web-1 before anything reaches its
 * agent; signing out ends an open stream; a killed server is dialled again by the agent on its own.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { connect } from 'node:net';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { eventually, registerCleanup, runCommand } from '../../harness/index.js';
import { startFrontWorld, type FrontWorld } from '../front/front-fixture.js';
import {
  LATCHKEY_BIN,
  loginWithDeviceFlow,
  makeCliHome,
  runLatchkey,
  type CliHome,
} from '../cli/latchkey-cli.js';
import { api, startServerProcess, type Json } from '../server/server-process.js';
import { getJson, signInBuiltIn } from '../../server/sign-in/sign-in-client.js';
import type { MyTarget } from '@latchkey/shared';
import { FetchAccessServer } from '../../../extension/src/adapters/http/access-server-client.js';
import { WebSocketTunnelStreams } from '../../../extension/src/adapters/http/tunnel-websocket.js';
import { generateEphemeralKeyPair } from '../../../extension/src/adapters/ssh/ed25519-key-pair.js';
import { Ssh2Connector } from '../../../extension/src/adapters/ssh/ssh2-connector.js';
import { connectToTarget } from '../../../extension/src/app/connect-to-target.js';
import type { ShellEnd } from '../../../extension/src/app/ports/ssh.js';
import type { SignedInSession } from '../../../extension/src/app/signed-in-session.js';
import type { HostKeyPins } from '../../../extension/src/domain/host-key-pins.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('tunnel: agents dial out, people reach their fronts through the server', function () {
  this.timeout(180_000);
  let world: FrontWorld;
  let bob: CliHome;
  let carol: CliHome;

  before(async function () {
    this.timeout(600_000);
    world = await startFrontWorld();
    bob = await makeCliHome(path.join(world.base, 'bob'), world.server.url);
    carol = await makeCliHome(path.join(world.base, 'carol'), world.server.url);
    for (const [cli, email] of [
      [bob, 'bob@corp.example'],
      [carol, 'carol@corp.example'],
    ] as const) {
      const login = await loginWithDeviceFlow(cli, { email, password: `${email} long password` });
      assert.equal(login.code, 0, login.stderr);
    }
    for (const target of [world.web, world.db]) {
      await target.agent.waitForOutput(/tunnel: connected to /, 30_000);
    }
  });

  after(async () => {
    await world?.stop();
  });

  const auditEvents = async (action: string): Promise<Json[]> => {
    const token = (await readFile(path.join(world.base, 'server', 'admin.token'), 'utf8')).trim();
    const answer = await api(world.server, 'GET', `/v1/audit?action=${action}&per_page=100`, token);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body.result as Json[];
  };

  const networkId = async (name: string): Promise<string> => {
    const networks = (await world.admin('GET', `/teamnet/virtual_networks?name=${name}`)) as Json[];
    assert.equal(networks.length, 1, JSON.stringify(networks));
    return networks[0].id;
  };

  /** ssh/scp/sftp options that reach web-1 only through `latchkey proxy` (no route to its front is used). */
  const throughTunnel = async (cli: CliHome, person: 'bob' | 'carol' = 'bob', target = world.web) => {
    const certificate = await world.certificateFor(target, person);
    const options = await world.clientOptions(target, certificate);
    const proxy = `${process.execPath} ${LATCHKEY_BIN} proxy ${target.targetId} %p`;
    // The front's known_hosts line names 127.0.0.1:PORT; the ProxyCommand's %h is the same name.
    return { options: [...options, '-o', `ProxyCommand=${proxy}`], env: cli.env };
  };

  it('ssh runs a command through the tunnel, and the agent took the stream from the server', async () => {
    const mark = world.web.agent.mark();
    const { options, env } = await throughTunnel(bob);
    const result = await runCommand(
      '/usr/bin/ssh',
      [
        ...options,
        '-p',
        String(world.web.frontPort),
        '-l',
        world.user.name,
        '127.0.0.1',
        'echo tunnelled-$((6*7))',
      ],
      { env, timeoutMs: 60_000 },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /tunnelled-42/);
    // The person's target list says which targets the tunnel reaches now.
    const { access_token: token } = await signInBuiltIn(
      world.server.url,
      'bob@corp.example',
      'bob@corp.example long password',
    );
    const listed = (await getJson(world.server.url, '/v1/me/targets', token)).body.result as MyTarget[];
    assert.equal(
      listed.find((entry) => entry.id === world.web.targetId)?.tunnel,
      true,
      JSON.stringify(listed),
    );
    await world.web.agent.waitForOutput(/tunnel: stream \S+ from bob@corp\.example/, 10_000, mark);
    // The stream is an audit event: who, which target, bytes both ways, how long.
    const closed = await eventually('the tunnel.stream.close audit event', 10_000, async () => {
      const events = await auditEvents('tunnel.stream.close');
      return events.find((event) => event.resource_id === world.web.targetId);
    });
    assert.equal(closed.actor, 'user:bob@corp.example');
    assert.ok(closed.after.bytes_up > 0 && closed.after.bytes_down > 0, JSON.stringify(closed.after));
    assert.ok(closed.after.duration_ms >= 0);
  });

  it('scp, sftp and rsync move a file both ways intact', async () => {
    const { options, env } = await throughTunnel(bob);
    const data = randomBytes(8 * 1024 * 1024);
    const local = path.join(world.base, 'client', 'payload.bin');
    await writeFile(local, data);
    const remote = `/tmp/latchkey-tunnel-${process.pid}.bin`;
    const port = String(world.web.frontPort);
    const scpUp = await runCommand(
      '/usr/bin/scp',
      [...options, '-P', port, local, `${world.user.name}@127.0.0.1:${remote}`],
      { env, timeoutMs: 60_000 },
    );
    assert.equal(scpUp.code, 0, scpUp.stderr);
    const back = path.join(world.base, 'client', 'back.bin');
    const sftp = await runCommand(
      '/usr/bin/sftp',
      [...options, '-P', port, '-b', '-', `${world.user.name}@127.0.0.1`],
      { env, timeoutMs: 60_000, input: `get ${remote} ${back}\n` },
    );
    assert.equal(sftp.code, 0, sftp.stderr);
    assert.equal(sha256(await readFile(back)), sha256(data), 'sftp brought back what scp sent');
    const rsyncBack = path.join(world.base, 'client', 'rsync.bin');
    const sshCommand = ['/usr/bin/ssh', ...options, '-p', port]
      .map((word) => (/[\s%]/.test(word) ? `'${word}'` : word))
      .join(' ');
    const rsync = await runCommand(
      '/usr/bin/rsync',
      ['-e', sshCommand, `${world.user.name}@127.0.0.1:${remote}`, rsyncBack],
      { env, timeoutMs: 60_000 },
    );
    assert.equal(rsync.code, 0, rsync.stderr);
    assert.equal(sha256(await readFile(rsyncBack)), sha256(data), 'rsync brought back what scp sent');
  });

  it("the VS Code extension's terminal goes through the tunnel to a tunnelled target", async () => {
    const { access_token: token } = await signInBuiltIn(
      world.server.url,
      'bob@corp.example',
      'bob@corp.example long password',
    );
    const listed = await getJson(world.server.url, '/v1/me/targets', token);
    const target = (listed.body.result as MyTarget[]).find((entry) => entry.id === world.web.targetId);
    assert.ok(target, JSON.stringify(listed.body));
    const opened = (await auditEvents('tunnel.stream.open')).length;
    const mark = world.web.agent.mark();
    // The extension's own use case and adapters (extension/src/app/connect-to-target.ts), without VS Code:
    // the session is a stand-in that hands out bob's access token (connectToTarget asks nothing else of it).
    const session = {
      withAccessToken: <T>(call: (accessToken: string) => Promise<T>) => call(token),
    } as unknown as SignedInSession;
    let pins: HostKeyPins = {};
    const shell = await connectToTarget(
      {
        server: new FetchAccessServer(world.server.url),
        session,
        keys: { generate: generateEphemeralKeyPair },
        ssh: new Ssh2Connector(),
        hostKeys: { load: async () => pins, save: async (next) => void (pins = next) },
        tunnel: new WebSocketTunnelStreams(world.server.url),
        notice: () => undefined,
        now: () => new Date(),
      },
      { target, username: world.user.name, size: { columns: 80, rows: 24 } },
    );
    let output = '';
    shell.onData((data) => (output += data.toString()));
    const ended = new Promise<ShellEnd>((resolve) => shell.onEnd(resolve));
    shell.write('echo vscode-through-$((6*7)); exit 3\r');
    assert.equal((await ended).exitCode, 3, output);
    assert.match(output, /vscode-through-42/);
    // Through the server, not to the front's port: the agent took the stream, and it was audited.
    await world.web.agent.waitForOutput(/tunnel: stream \S+ from bob@corp\.example/, 10_000, mark);
    assert.ok((await auditEvents('tunnel.stream.open')).length > opened);
  });

  it('the extension says why the server refused a tunnel stream', async () => {
    const { access_token: token } = await signInBuiltIn(
      world.server.url,
      'carol@corp.example',
      'carol@corp.example long password',
    );
    const tunnel = new WebSocketTunnelStreams(world.server.url);
    const listed = (await getJson(world.server.url, '/v1/me/targets', token)).body.result as MyTarget[];
    assert.ok(!listed.some((entry) => entry.id === world.web.targetId), 'carol may not reach web-1');
    await assert.rejects(tunnel.open(token, world.web.targetId, world.web.frontPort), (error: Error) => {
      assert.match(error.message, /no policy lets you reach/);
      return true;
    });
  });

  it('refuses a person no policy lets in, before anything reaches the agent', async () => {
    const mark = world.web.agent.mark();
    const refused = await runLatchkey(carol, ['proxy', world.web.targetId], { timeoutMs: 30_000 });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, new RegExp(`no policy lets you reach ${world.web.targetId}`));
    // The refusal is an audit event, and the agent never heard of it.
    const denied = await auditEvents('tunnel.stream.deny');
    assert.ok(
      denied.some((event) => event.after?.person === 'carol@corp.example'),
      JSON.stringify(denied),
    );
    assert.doesNotMatch(world.web.agent.output().slice(mark), /tunnel: stream/);
  });

  it('refuses a port no policy covers, before anything reaches the agent', async () => {
    // bob may reach web-1 (its front); no policy gives him port 2323 there.
    const mark = world.web.agent.mark();
    const refused = await runLatchkey(bob, ['proxy', world.web.targetId, '2323'], { timeoutMs: 30_000 });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, new RegExp(`no policy lets you reach ${world.web.targetId} on port 2323`));
    const denied = await auditEvents('tunnel.stream.deny');
    assert.ok(
      denied.some(
        (event) =>
          event.after?.person === 'bob@corp.example' &&
          event.after?.port === 2323 &&
          event.after?.reason === 'port_not_allowed',
      ),
      JSON.stringify(denied),
    );
    assert.doesNotMatch(world.web.agent.output().slice(mark), /tunnel: stream/);
  });

  it('answers a target that does not exist as one the person may not reach: nothing leaks', async () => {
    // By hostname and by id, existing (out of carol's reach) and not: each answer is the same sentence,
    // with what was asked in it, and each is a denial in the audit log.
    const answers = [];
    for (const asked of [
      'web-1',
      'no-such-host',
      world.web.targetId,
      '0f0f0f0f-0f0f-4f0f-8f0f-0f0f0f0f0f0f',
    ]) {
      const refused = await runLatchkey(carol, ['proxy', asked], { timeoutMs: 30_000 });
      assert.notEqual(refused.code, 0);
      answers.push(refused.stderr.replaceAll(asked, '<asked>'));
    }
    assert.equal(new Set(answers).size, 1, answers.join('\n'));
    assert.match(answers[0]!, /no policy lets you reach <asked>/);
  });

  it('a hostname in two virtual networks: the person names the network, and only theirs are named', async () => {
    // A second web-1, in site-b (its own private range; no agent): bob's policy covers both by hostname.
    const twin = (await world.admin('POST', '/infrastructure/targets', {
      hostname: 'web-1',
      ip: { ipv4: { ip_addr: '10.9.0.1', virtual_network_id: await networkId('site-b') } },
    })) as Json;
    try {
      const ambiguous = await runLatchkey(bob, ['proxy', 'web-1'], { timeoutMs: 30_000 });
      assert.notEqual(ambiguous.code, 0);
      assert.match(ambiguous.stderr, /web-1 names 2 targets you may reach, in the virtual networks .*site-b/);
      assert.match(ambiguous.stderr, /--vnet/);
      // carol may reach neither: she is told no more than about any other name.
      const carols = await runLatchkey(carol, ['proxy', 'web-1'], { timeoutMs: 30_000 });
      assert.match(carols.stderr, /no policy lets you reach web-1/);
      assert.doesNotMatch(carols.stderr, /site-b|names 2/);
      // Named with its network, web-1 answers through the tunnel.
      const defaultNetwork = (
        (await world.admin('GET', '/teamnet/virtual_networks?is_default_network=true')) as Json[]
      )[0];
      const { options, env } = await throughTunnel(bob);
      const proxy = `${process.execPath} ${LATCHKEY_BIN} proxy --vnet ${defaultNetwork.name} web-1 %p`;
      const viaNetwork = options.map((option) =>
        option.startsWith('ProxyCommand=') ? `ProxyCommand=${proxy}` : option,
      );
      const result = await runCommand(
        '/usr/bin/ssh',
        [...viaNetwork, '-p', String(world.web.frontPort), '-l', world.user.name, '127.0.0.1', 'echo named'],
        { env, timeoutMs: 60_000 },
      );
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /named/);
      // The twin in site-b has no agent nor route: not listed as tunnelled, and naming it is answered.
      const { access_token: token } = await signInBuiltIn(
        world.server.url,
        'bob@corp.example',
        'bob@corp.example long password',
      );
      const listed = (await getJson(world.server.url, '/v1/me/targets', token)).body.result as MyTarget[];
      assert.equal(listed.find((entry) => entry.id === twin.id)?.tunnel, undefined, JSON.stringify(listed));
      const twinRefused = await runLatchkey(bob, ['proxy', '--vnet', 'site-b', 'web-1'], {
        timeoutMs: 30_000,
      });
      assert.match(
        twinRefused.stderr,
        /web-1 has no agent, and no route of its virtual network to a connector holds 10\.9\.0\.1/,
      );
    } finally {
      await world.admin('DELETE', `/infrastructure/targets/${twin.id}`);
    }
  });

  it('a bare address in two virtual networks: each person reaches theirs, and a choice is named', async () => {
    // web-1 (default network) and db-1 (site-b) are both 127.0.0.1. A third 127.0.0.1, in site-c, is a
    // web-1 too (bob's policy covers it by hostname; no agent).
    const siteC = (await world.admin('POST', '/teamnet/virtual_networks', { name: 'site-c' })) as Json;
    const twin = (await world.admin('POST', '/infrastructure/targets', {
      hostname: 'web-1',
      ip: { ipv4: { ip_addr: '127.0.0.1', virtual_network_id: siteC.id } },
    })) as Json;
    try {
      const ambiguous = await runLatchkey(bob, ['proxy', '127.0.0.1'], { timeoutMs: 30_000 });
      assert.match(
        ambiguous.stderr,
        /127\.0\.0\.1 names 2 targets you may reach, in the virtual networks .*site-c/,
      );
      assert.doesNotMatch(ambiguous.stderr, /site-b/, "db-1's network is not bob's to know");
      // carol may reach only db-1 among the three: the address is hers without naming a network.
      const { options, env } = await throughTunnel(carol, 'carol', world.db);
      const proxy = `${process.execPath} ${LATCHKEY_BIN} proxy 127.0.0.1 %p`;
      const byAddress = options.map((option) =>
        option.startsWith('ProxyCommand=') ? `ProxyCommand=${proxy}` : option,
      );
      const result = await runCommand(
        '/usr/bin/ssh',
        [
          ...byAddress,
          '-p',
          String(world.db.frontPort),
          '-l',
          world.user.name,
          '127.0.0.1',
          'echo by-address',
        ],
        { env, timeoutMs: 60_000 },
      );
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /by-address/);
    } finally {
      await world.admin('DELETE', `/infrastructure/targets/${twin.id}`);
      await world.admin('DELETE', `/teamnet/virtual_networks/${siteC.id}`);
    }
  });

  it('ends an open stream when the person signs out', async () => {
    const { options, env } = await throughTunnel(bob);
    const mark = world.web.agent.mark();
    const child = spawn(
      '/usr/bin/ssh',
      [
        ...options,
        '-p',
        String(world.web.frontPort),
        '-l',
        world.user.name,
        '127.0.0.1',
        'echo started; sleep 120',
      ],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const handle = registerCleanup('ssh through the tunnel', async () => {
      child.kill('SIGKILL');
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await eventually('the remote command to start', 30_000, async () =>
      stdout.includes('started') ? true : undefined,
    );
    await world.web.agent.waitForOutput(/tunnel: stream/, 10_000, mark);
    const logout = await runLatchkey(bob, ['logout']);
    assert.equal(logout.code, 0, logout.stderr);
    // From the moment the sign-out is done (the revocation stored and announced).
    const signedOutAt = Date.now();
    const code = await exited;
    const endedInMs = Date.now() - signedOutAt;
    handle.release();
    // Signed in again for the tests after this one.
    const login = await loginWithDeviceFlow(bob, {
      email: 'bob@corp.example',
      password: 'bob@corp.example long password',
    });
    assert.equal(login.code, 0, login.stderr);
    assert.notEqual(code, 0);
    process.stdout.write(`      (the stream ended ${endedInMs} ms after the sign-out returned)\n`);
    assert.ok(endedInMs < 10_000, `the stream ended ${endedInMs} ms after the sign-out`);
    const closed = await eventually('the stream closed for the revoked sign-in', 10_000, async () =>
      (await auditEvents('tunnel.stream.close')).find(
        (event) =>
          event.after?.session !== undefined &&
          event.after.duration_ms > 0 &&
          event.after.reason !== 'client closed',
      ),
    );
    assert.equal(closed.resource_id, world.web.targetId);
  });
  it('refuses a handshake ws would refuse before anything reaches the agent', async () => {
    const { access_token: token } = await signInBuiltIn(
      world.server.url,
      'bob@corp.example',
      'bob@corp.example long password',
    );
    const { hostname, port } = new URL(world.server.url);
    const good: Record<string, string> = {
      upgrade: 'websocket',
      'sec-websocket-key': randomBytes(16).toString('base64'),
      'sec-websocket-version': '13',
      'sec-websocket-protocol': 'latchkey.stream.v1',
    };
    const broken: Record<string, string>[] = [
      { upgrade: 'foo' },
      { 'sec-websocket-key': 'not a key' },
      { 'sec-websocket-version': '12' },
      { 'sec-websocket-protocol': 'latchkey.stream.v1, latchkey.stream.v1' },
    ];
    for (const change of broken) {
      const mark = world.web.agent.mark();
      const headers = { ...good, ...change };
      const socket = connect({ host: hostname, port: Number(port) });
      const handle = registerCleanup('raw upgrade socket', async () => {
        socket.destroy();
      });
      let answer = '';
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
      const ended = once(socket, 'close');
      socket.write(
        `GET /v1/tunnel/connect?target=${world.web.targetId} HTTP/1.1\r\n` +
          `host: ${hostname}:${port}\r\nconnection: Upgrade\r\nauthorization: Bearer ${token}\r\n` +
          Object.entries(headers)
            .map(([name, value]) => `${name}: ${value}\r\n`)
            .join('') +
          '\r\n',
      );
      await ended;
      handle.release();
      assert.match(answer, /^HTTP\/1\.1 400 /, `${JSON.stringify(change)}: ${answer}`);
      // The agent is asked for a stream before its answer arrives: none was asked.
      assert.doesNotMatch(world.web.agent.output().slice(mark), /tunnel: stream/, JSON.stringify(change));
    }
  });

  it("closes an agent's link once its credential is replaced, and sends it no stream", async () => {
    // web-1 is re-enrolled (same agent, new credential, the old one revoked) while its old agent process
    // still holds the tunnel: that process must get nothing more. Its tunnel is not used after this test.
    const agents = (await world.admin('GET', '/latchkey/agents')) as Json[];
    const agent = agents.find((entry) => entry.target_id === world.web.targetId);
    assert.ok(agent !== undefined, JSON.stringify(agents));
    const replacement = await world.admin('POST', `/latchkey/agents/${agent.id}/replace`, {});
    const mark = world.web.agent.mark();
    const enrolled = await fetch(`${world.server.url}/v1/agents/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        join_token: replacement.token,
        hostname: world.web.hostname,
        agent: { version: 'test-replacement' },
      }),
    });
    assert.equal(enrolled.status, 200, await enrolled.text());
    const refused = await runLatchkey(bob, ['proxy', world.web.targetId], { timeoutMs: 30_000 });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /agent is not connected/);
    // The old agent heard of no stream, and its link was closed.
    await world.web.agent.waitForOutput(/tunnel: link closed/, 10_000, mark);
    assert.doesNotMatch(world.web.agent.output().slice(mark), /tunnel: stream/);
  });

  it('limits how fast one address may open streams, before anything is looked up', async () => {
    // Unauthenticated upgrades count too (the limit is what keeps a flood off the database). The burst is
    // 120; the limit is per process, so the next test's restarted server starts afresh.
    const { hostname, port } = new URL(world.server.url);
    const statuses: number[] = [];
    let refusal = '';
    for (let attempt = 0; attempt < 1000 && refusal === ''; attempt++) {
      const socket = connect({ host: hostname, port: Number(port) });
      const handle = registerCleanup('raw upgrade socket', async () => {
        socket.destroy();
      });
      let answer = '';
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
      const ended = once(socket, 'close');
      socket.write(
        `GET /v1/tunnel/connect?target=web-1 HTTP/1.1\r\nhost: ${hostname}:${port}\r\n` +
          'connection: Upgrade\r\nupgrade: websocket\r\nsec-websocket-version: 13\r\n' +
          `sec-websocket-key: ${randomBytes(16).toString('base64')}\r\n` +
          'sec-websocket-protocol: latchkey.stream.v1\r\nauthorization: Bearer not-a-token\r\n\r\n',
      );
      await ended;
      handle.release();
      statuses.push(Number(/^HTTP\/1\.1 (\d{3}) /.exec(answer)?.[1] ?? 0));
      if (statuses.at(-1) === 503) refusal = answer;
    }
    // The burst passes (unauthenticated, so 401), then the address is refused before any lookup.
    assert.ok(
      statuses.slice(0, 100).every((status) => status === 401),
      JSON.stringify(statuses),
    );
    assert.match(refusal, /too many tunnel streams opened from your address; try again in \d+ s/);
  });

  it('the agent dials a killed server again by itself', async () => {
    const port = new URL(world.server.url).port;
    const mark = world.db.agent.mark();
    await world.server.kill();
    await world.db.agent.waitForOutput(/tunnel: link closed/, 10_000, mark);
    const restartedAt = Date.now();
    const again = await startServerProcess([
      '--data-dir',
      path.join(world.base, 'server'),
      '--listen',
      `127.0.0.1:${port}`,
    ]);
    void again; // stopped by the harness when this test ends
    const listening = Date.now();
    await world.db.agent.waitForOutput(/tunnel: connected to /, 40_000, mark);
    const reconnected = Date.now();
    process.stdout.write(
      `      (server start took ${listening - restartedAt} ms; the agent was back ${reconnected - listening} ms after it listened)\n`,
    );
    const { options, env } = await throughTunnel(carol, 'carol', world.db);
    const result = await runCommand(
      '/usr/bin/ssh',
      [...options, '-p', String(world.db.frontPort), '-l', world.user.name, '127.0.0.1', 'echo back'],
      { env, timeoutMs: 60_000 },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /back/);
  });
});
