/**
 * Issue #14: "10,000 idle agents connected to one server (simulated in a few processes) with the server's
 * memory and CPU reported". One real `latchkey-server` (SQLite), N agents enrolled through the API with one
 * join token, and their tunnel links held by the agent's own TunnelClient (agent/src/adapters/tunnel), a
 * share of them in each of a few simulator processes. Reported: the time to link them all, the server's
 * RSS before and with the links up (per link), its CPU while they idle (the server pings each link every
 * 20 s), and its RSS after they have gone.
 *
 *   node --conditions=latchkey-source --import tsx bench/tunnel-idle-agents.bench.ts \
 *     [--agents 10000] [--processes 4] [--idle-seconds 60]
 *
 * Needs a file-descriptor limit above the number of agents (`ulimit -n`): the server holds one socket each.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setMaxListeners } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { TunnelClient } from '../agent/src/adapters/tunnel/tunnel-client.js';
import { findFreePort, runCleanups } from '../test/harness/index.js';
import { api, startServerProcess } from '../test/e2e/server/server-process.js';
import { processCpuSeconds, processMemoryMb } from './support/front-world.js';

const { values } = parseArgs({
  options: {
    agents: { type: 'string', default: '10000' },
    processes: { type: 'string', default: '4' },
    'idle-seconds': { type: 'string', default: '60' },
    // A simulator process (started by the bench itself): hold the links of these credentials.
    simulate: { type: 'string' },
    server: { type: 'string' },
  },
});

if (values.simulate !== undefined) await simulate(values.simulate, values.server!);
else await bench();

/** A simulator: one TunnelClient per credential; prints "up N" as links come up, then holds them. */
async function simulate(credentialsFile: string, server: string): Promise<void> {
  const tokens = (await readFile(credentialsFile, 'utf8')).trim().split('\n');
  const abort = new AbortController();
  setMaxListeners(0, abort.signal); // one listener per client
  process.on('SIGTERM', () => abort.abort());
  const clients = tokens.map(
    (token) =>
      new TunnelClient({
        server,
        token: () => token,
        accept: (stream) => stream.destroy(),
        log: () => undefined,
        random: Math.random,
      }),
  );
  const runs = clients.map((client) => client.run(abort.signal));
  let reported = -1;
  const report = setInterval(() => {
    const up = clients.filter((client) => client.up).length;
    if (up !== reported) console.log(`up ${up}`);
    reported = up;
  }, 250);
  await Promise.all(runs);
  clearInterval(report);
}

async function bench(): Promise<void> {
  const agents = Number(values.agents);
  const processes = Number(values.processes);
  const idleSeconds = Number(values['idle-seconds']);
  const base = await mkdtemp(path.join(tmpdir(), 'latchkey-idle-agents-'));
  const simulators: ChildProcess[] = [];
  try {
    const port = await findFreePort('127.0.0.1');
    const serverDir = path.join(base, 'server');
    const server = await startServerProcess(['--data-dir', serverDir, '--listen', `127.0.0.1:${port}`]);
    const adminToken = (await readFile(path.join(serverDir, 'admin.token'), 'utf8')).trim();
    const accounts = await api(server, 'GET', '/client/v4/accounts', adminToken);
    const accountBase = `/client/v4/accounts/${accounts.body.result[0].id}`;
    const joinToken = await api(server, 'POST', `${accountBase}/latchkey/join_tokens`, adminToken, {
      name: 'idle agents',
      max_uses: agents,
    });
    if (joinToken.status !== 200) throw new Error(`join token: ${JSON.stringify(joinToken.body)}`);

    console.log(`enrolling ${agents} agents…`);
    const enrolStarted = Date.now();
    const credentials: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < agents) {
          const i = next++;
          const response = await fetch(`${server.url}/v1/agents/enroll`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              join_token: joinToken.body.result.token,
              hostname: `idle-${i}`,
              agent: { version: 'bench', machine_id: randomBytes(16).toString('hex') },
            }),
          });
          const answer = (await response.json()) as { result: { api_token: string } };
          if (response.status !== 200) throw new Error(`enrol ${i}: ${JSON.stringify(answer)}`);
          credentials.push(answer.result.api_token);
        }
      }),
    );
    console.log(`enrolled in ${((Date.now() - enrolStarted) / 1000).toFixed(1)} s`);

    const before = await processMemoryMb(server.pid);
    const linkStarted = Date.now();
    const ups = new Array<number>(processes).fill(0);
    const share = Math.ceil(agents / processes);
    for (let p = 0; p < processes; p++) {
      const file = path.join(base, `credentials-${p}`);
      await writeFile(file, credentials.slice(p * share, (p + 1) * share).join('\n'));
      const child = spawn(
        process.execPath,
        [
          '--conditions=latchkey-source',
          '--import',
          'tsx',
          fileURLToPath(import.meta.url),
          '--simulate',
          file,
          '--server',
          server.url,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      simulators.push(child);
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const up = /^up (\d+)$/.exec(line);
        if (up) ups[p] = Number(up[1]);
      });
    }
    let lastShown = 0;
    while (ups.reduce((a, b) => a + b, 0) < agents) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const up = ups.reduce((a, b) => a + b, 0);
      if (Date.now() - lastShown > 5000) {
        console.log(`  ${up} of ${agents} linked after ${((Date.now() - linkStarted) / 1000).toFixed(1)} s`);
        lastShown = Date.now();
      }
      if (Date.now() - linkStarted > 20 * 60_000) throw new Error(`only ${up} of ${agents} linked in 20 min`);
    }
    const linkSeconds = (Date.now() - linkStarted) / 1000;
    console.log(`all ${agents} linked in ${linkSeconds.toFixed(1)} s`);

    const cpuBefore = await processCpuSeconds(server.pid);
    const idleStarted = Date.now();
    await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
    const cpu = (await processCpuSeconds(server.pid)) - cpuBefore;
    const idleWall = (Date.now() - idleStarted) / 1000;
    const linked = await processMemoryMb(server.pid);
    const simulatorRss = await Promise.all(simulators.map((child) => processMemoryMb(child.pid!)));

    for (const child of simulators) child.kill('SIGTERM');
    await Promise.all(simulators.map((child) => new Promise((resolve) => child.once('exit', resolve))));
    simulators.length = 0;
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const after = await processMemoryMb(server.pid);

    const perLinkKb = ((linked.rss - before.rss) * 1024) / agents;
    console.log(`\n${agents} idle agents on one server, ${processes} simulator processes:`);
    console.log(`| measure | figure |`);
    console.log(`|---|---|`);
    console.log(`| enrolled, then all linked | ${linkSeconds.toFixed(1)} s to link all |`);
    console.log(`| server RSS before the links | ${before.rss.toFixed(0)} MB |`);
    console.log(
      `| server RSS with all linked (high-water mark) | ${linked.rss.toFixed(0)} MB (${linked.hwm.toFixed(0)} MB): ${perLinkKb.toFixed(1)} KB a link |`,
    );
    console.log(
      `| server CPU while they idle (${idleWall.toFixed(0)} s) | ${((cpu / idleWall) * 100).toFixed(2)} % of a core, ${((cpu / idleWall / agents) * 1e6).toFixed(1)} µs/s a link |`,
    );
    console.log(`| server RSS 5 s after they left | ${after.rss.toFixed(0)} MB |`);
    console.log(
      `| simulators' RSS (the agents' side, ${Math.ceil(agents / processes)} links each) | ${simulatorRss.map((m) => m.rss.toFixed(0)).join(' · ')} MB |`,
    );
    console.log(`load ${(await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ')}`);
  } finally {
    for (const child of simulators) child.kill('SIGKILL');
    await runCleanups();
    await rm(base, { recursive: true, force: true });
  }
}
