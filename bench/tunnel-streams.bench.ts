/**
 * Issue #14: "1,000 concurrent streams through one agent". One real server, one real agent (its link, its
 * connector: `--route 127.78.0.0/24`), and an echo service behind it at 127.78.0.5; N raw tunnel streams
 * (`/v1/tunnel/connect` WebSockets, as `latchkey proxy` opens them) held open at once by built-in people,
 * TUNNEL_STREAMS_PER_PERSON each, from a few loopback source addresses (the server limits stream upgrades
 * per client address). Reported: the time to open them all; the agent's and the server's RSS and CPU with
 * none, with all of them idle, and with every stream echoing 64 bytes a second (with the echo's round trip);
 * and after they closed. Raw TCP rather than SSH sessions so that what is measured is the tunnel's own cost
 * (200 SSH sessions through the front are measured by bench/ssh-front.bench.ts --only sessions).
 *
 *   node --conditions=latchkey-source --import tsx bench/tunnel-streams.bench.ts \
 *     [--streams 1000] [--seconds 30] [--agent packaged|rebuilt|bundle|source]
 */
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';
import { TUNNEL_STREAMS_PER_PERSON } from '@latchkey/shared/tunnel/tunnel-protocol';
import { findFreePort, runCleanups } from '../test/harness/index.js';
import { runServerCommand } from '../test/e2e/server/server-process.js';
import { signInBuiltIn } from '../test/server/sign-in/sign-in-client.js';
import {
  percentile,
  processCpuSeconds,
  processMemoryMb,
  startFrontWorld,
  type AgentKind,
} from './support/front-world.js';

const { values } = parseArgs({
  options: {
    streams: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '30' },
    agent: { type: 'string', default: 'packaged' },
  },
});
const STREAMS = Number(values.streams);
const SECONDS = Number(values.seconds);
const ECHO_ADDRESS = '127.78.0.5';
const SOURCE_ADDRESSES = Array.from({ length: 16 }, (_, i) => `127.0.3.${i + 1}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const world = await startFrontWorld({
  agent: values.agent as AgentKind,
  agentArgs: ['--route', '127.78.0.0/24'],
});
const echoSockets = new Set<Socket>();
const echo = createServer((socket) => {
  echoSockets.add(socket);
  socket.on('close', () => echoSockets.delete(socket));
  socket.on('error', () => undefined);
  socket.pipe(socket);
});
try {
  const deadline = Date.now() + 60_000;
  while (!/tunnel: connected to /.test(world.agentOutput())) {
    if (Date.now() > deadline) throw new Error(`no tunnel:\n${world.agentOutput()}`);
    await sleep(100);
  }
  const echoPort = await findFreePort(ECHO_ADDRESS);
  echo.listen(echoPort, ECHO_ADDRESS);
  await once(echo, 'listening');

  // People, a policy for all of them on the echo service's port, and the route to the agent.
  const people = Math.ceil(STREAMS / TUNNEL_STREAMS_PER_PERSON);
  const emails = Array.from({ length: people }, (_, i) => `streamer-${i}@corp.example`);
  console.log(`adding ${people} people…`);
  for (let i = 0; i < emails.length; i += 4) {
    await Promise.all(
      emails.slice(i, i + 4).map(async (email) => {
        const added = await runServerCommand(
          ['user', 'add', email, '--data-dir', `${world.base}/server`],
          120_000,
          `${email} long password\n`,
        );
        if (added.code !== 0) throw new Error(`user add ${email}: ${added.stderr}`);
      }),
    );
  }
  const agents = (await world.admin('GET', '/latchkey/agents')) as { id: string; target_id?: string }[];
  const agentId = agents.find((agent) => agent.target_id === world.targetId)!.id;
  await world.admin('POST', '/teamnet/routes', { network: '127.78.0.0/24', tunnel_id: agentId });
  await world.admin('POST', '/access/apps', {
    name: 'echo',
    type: 'infrastructure',
    target_criteria: [{ target_attributes: { hostname: ['echo'] }, port: echoPort, protocol: 'SSH' }],
    policies: [
      {
        name: 'the streamers',
        decision: 'allow',
        include: [{ email_domain: { domain: 'corp.example' } }],
        connection_rules: { ssh: { usernames: [world.user.name] } },
      },
    ],
  });
  const target = await world.admin('POST', '/infrastructure/targets', {
    hostname: 'echo',
    ip: { ipv4: { ip_addr: ECHO_ADDRESS } },
  });
  // One after another: the server limits sign-ins per address, and says when to try again.
  const tokens: string[] = [];
  for (const email of emails) {
    for (;;) {
      try {
        tokens.push((await signInBuiltIn(world.server.url, email, `${email} long password`)).access_token);
        break;
      } catch (error) {
        const wait = /try again in (\d+) s/.exec((error as Error).message);
        if (wait === null) throw error;
        await sleep(Number(wait[1]) * 1000 + 200);
      }
    }
  }

  const agentPid = world.agentPid;
  const serverPid = world.server.pid;
  const sample = async () => ({
    agent: await processMemoryMb(agentPid),
    server: await processMemoryMb(serverPid),
    agentCpu: await processCpuSeconds(agentPid),
    serverCpu: await processCpuSeconds(serverPid),
  });
  const none = await sample();

  console.log(`opening ${STREAMS} streams…`);
  const url = `${world.server.url.replace(/^http/, 'ws')}/v1/tunnel/connect?target=${target.id}&port=${echoPort}`;
  const streams: WebSocket[] = [];
  const openStarted = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < STREAMS) {
        const i = next++;
        const ws = new WebSocket(url, 'latchkey.stream.v1', {
          headers: { authorization: `Bearer ${tokens[i % people]}` },
          localAddress: SOURCE_ADDRESSES[i % SOURCE_ADDRESSES.length],
        });
        await new Promise<void>((resolve, reject) => {
          ws.once('open', resolve);
          ws.once('unexpected-response', (_request, response) =>
            reject(new Error(`stream ${i}: HTTP ${response.statusCode}`)),
          );
          ws.once('error', reject);
        });
        ws.on('error', () => undefined);
        streams.push(ws);
      }
    }),
  );
  const openSeconds = (performance.now() - openStarted) / 1000;
  // Each stream is through to the echo service before anything is measured.
  await Promise.all(
    streams.map(async (ws) => {
      ws.send(Buffer.from('hello'));
      await once(ws, 'message');
    }),
  );
  console.log(`all ${STREAMS} open in ${openSeconds.toFixed(1)} s; ${echoSockets.size} at the echo service`);

  const idleFrom = await sample();
  await sleep(SECONDS * 1000);
  const idleTo = await sample();

  // Every stream sends 64 bytes a second (spread over the second) and times the echo.
  const rtts: number[] = [];
  const payload = Buffer.alloc(64, 'x');
  const busyFrom = await sample();
  const stopAt = Date.now() + SECONDS * 1000;
  await Promise.all(
    streams.map(async (ws, i) => {
      await sleep((i / STREAMS) * 1000);
      while (Date.now() < stopAt) {
        const sent = performance.now();
        ws.send(payload);
        let got = 0;
        while (got < payload.length) got += ((await once(ws, 'message')) as [Buffer])[0].length;
        rtts.push(performance.now() - sent);
        await sleep(Math.max(0, 1000 - (performance.now() - sent)));
      }
    }),
  );
  const busyTo = await sample();

  for (const ws of streams) ws.close();
  await Promise.all(streams.map((ws) => (ws.readyState === ws.CLOSED ? undefined : once(ws, 'close'))));
  await sleep(5000);
  const after = await sample();

  const cpu = (from: number, to: number) => `${(((to - from) / SECONDS) * 100).toFixed(1)} % of a core`;
  const perStreamKb = (from: number, to: number) =>
    `${(((to - from) * 1024) / STREAMS).toFixed(1)} KB a stream`;
  console.log(
    `\n${STREAMS} concurrent streams through one agent (${people} people), ${SECONDS} s each phase:`,
  );
  console.log('| phase | agent RSS | agent CPU | server RSS | server CPU |');
  console.log('|---|---|---|---|---|');
  console.log(`| no streams | ${none.agent.rss.toFixed(0)} MB | – | ${none.server.rss.toFixed(0)} MB | – |`);
  console.log(
    `| ${STREAMS} open, idle | ${idleTo.agent.rss.toFixed(0)} MB (${perStreamKb(none.agent.rss, idleTo.agent.rss)}) | ${cpu(idleFrom.agentCpu, idleTo.agentCpu)} | ${idleTo.server.rss.toFixed(0)} MB (${perStreamKb(none.server.rss, idleTo.server.rss)}) | ${cpu(idleFrom.serverCpu, idleTo.serverCpu)} |`,
  );
  console.log(
    `| each echoing 64 B a second | ${busyTo.agent.rss.toFixed(0)} MB | ${cpu(busyFrom.agentCpu, busyTo.agentCpu)} | ${busyTo.server.rss.toFixed(0)} MB | ${cpu(busyFrom.serverCpu, busyTo.serverCpu)} |`,
  );
  console.log(
    `| 5 s after all closed | ${after.agent.rss.toFixed(0)} MB | – | ${after.server.rss.toFixed(0)} MB | – |`,
  );
  console.log(
    `opened in ${openSeconds.toFixed(1)} s; echo round trip through the tunnel p50 ${percentile(rtts, 50).toFixed(2)} ms, p99 ${percentile(rtts, 99).toFixed(2)} ms (${rtts.length} echoes); load ${(await import('node:fs/promises').then((fs) => fs.readFile('/proc/loadavg', 'utf8'))).split(' ').slice(0, 3).join(' ')}`,
  );
} finally {
  for (const socket of echoSockets) socket.destroy();
  echo.close();
  await world.stop();
  await runCleanups();
}
