/**
 * The tunnel (issue #14), each part side by side with its baseline in the same run:
 *  - scp:       scp to the agent's SSH front straight (its loopback port) and through the access server's
 *               tunnel (`ProxyCommand latchkey proxy`), A B A B …, upload and download, with the CPU the
 *               server and the agent spent per MB during the transfer (the recording's upload after it is
 *               waited out first; target: ≥ 0.5 of direct, aim 0.8; relay ≤ 12 ms/MB);
 *  - echo:      keystroke echo in `ssh -tt … cat`, straight and through the tunnel (added p99 ≤ 5 ms);
 *  - reconnect: the server killed (SIGKILL) or stopped (SIGTERM) and started again; the time from it
 *               listening again to the agent's link being up again (p95 ≤ 5 s).
 * Setup: bench/support/front-world.ts with the agent as packaged (or --agent), a latchkey CLI home signed
 * in as the bench person.
 *
 *   node --conditions=latchkey-source --import tsx bench/tunnel.bench.ts [--only scp,echo,reconnect]
 *     [--rounds 5] [--megabytes 64] [--keys 150] [--restarts 10] [--agent packaged|rebuilt|bundle|source]
 */
import { chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runCleanups, runCommand } from '../test/harness/index.js';
import { loginWithDeviceFlow, makeCliHome, type CliHome } from '../test/e2e/cli/latchkey-cli.js';
import { echoSession } from './support/echo-session.js';
import {
  PERSON,
  loadAverage,
  median,
  percentile,
  processCpuSeconds,
  startFrontWorld,
  type AgentKind,
  type FrontWorld,
} from './support/front-world.js';

const { values } = parseArgs({
  options: {
    only: { type: 'string', default: 'scp,echo,reconnect' },
    rounds: { type: 'string', default: '5' },
    megabytes: { type: 'string', default: '64' },
    keys: { type: 'string', default: '150' },
    restarts: { type: 'string', default: '10' },
    agent: { type: 'string', default: 'packaged' },
  },
});
const ROUNDS = Number(values.rounds);
const BYTES = Number(values.megabytes) * 1024 * 1024;
const MB = BYTES / 1e6;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once the agent's output shows `pattern` after `since` characters; the time it was seen. */
async function agentSays(world: FrontWorld, pattern: RegExp, since: number, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(world.agentOutput().slice(since))) {
    if (Date.now() > deadline)
      throw new Error(`the agent never said ${pattern}:\n${world.agentOutput().slice(since)}`);
    await sleep(5);
  }
  return performance.now();
}

const world = await startFrontWorld({ agent: values.agent as AgentKind });
try {
  await agentSays(world, /tunnel: connected to /, 0, 60_000);
  const cli = await makeCliHome(path.join(world.base, 'cli'), world.server.url);
  const login = await loginWithDeviceFlow(cli, PERSON);
  if (login.code !== 0) throw new Error(`login: ${login.stderr}`);
  // `latchkey proxy` as `npm run build` ships the CLI (scripts/build.mjs: the CommonJS bundle run through
  // V8's code cache), not from the sources: through tsx each proxy spent 1–2 s of CPU compiling the CLI,
  // inside the measured transfer. BENCH_PROXY_NODE_FLAGS: node flags for it (e.g. `--perf-basic-prof`).
  const cliDist = path.join(world.base, 'cli-dist');
  const built = await runCommand(
    process.execPath,
    [new URL('../scripts/build.mjs', import.meta.url).pathname, '--cli-out', cliDist],
    { cwd: new URL('..', import.meta.url).pathname, timeoutMs: 300_000 },
  );
  if (built.code !== 0) throw new Error(`building the CLI failed: ${built.stderr}`);
  cli.env.LATCHKEY_FROM_SOURCE = undefined;
  const proxyFlags = process.env.BENCH_PROXY_NODE_FLAGS ?? '';
  const proxy = `${process.execPath} ${proxyFlags} ${cliDist}/main.js proxy ${world.targetId} %p`;
  const parts = new Set(values.only.split(','));
  if (parts.has('scp')) await scp(cli);
  if (parts.has('echo')) await echo(cli);
  if (parts.has('reconnect')) await reconnect();

  async function scp(cli: CliHome): Promise<void> {
    const localDir = `/dev/shm/latchkey-tunnel-bench-${process.pid}`;
    const remoteDir = `/dev/shm/latchkey-tunnel-bench-${world.user.name}`;
    await mkdir(localDir, { recursive: true });
    await mkdir(remoteDir, { recursive: true, mode: 0o700 });
    await chown(remoteDir, world.user.uid, world.user.gid);
    const source = `${localDir}/payload.bin`;
    await writeFile(source, randomBytes(BYTES));
    await writeFile(`${remoteDir}/payload.bin`, await readFile(source));
    await chown(`${remoteDir}/payload.bin`, world.user.uid, world.user.gid);

    const results = new Map<string, { wall: number; cpu: number }[]>();
    for (let round = -1; round < ROUNDS; round++) {
      for (const variant of ['direct', 'tunnel'] as const) {
        const options = await world.frontOptions();
        for (const direction of ['upload', 'download'] as const) {
          const remote = `${world.user.name}@127.0.0.1:${remoteDir}/${direction === 'upload' ? 'up.bin' : 'payload.bin'}`;
          const local = direction === 'upload' ? source : `${localDir}/down.bin`;
          const args = [
            ...options,
            ...(variant === 'tunnel' ? ['-o', `ProxyCommand=${proxy}`] : []),
            ...['-P', String(world.frontPort)],
            ...(direction === 'upload' ? [local, remote] : [remote, local]),
          ];
          // The agent uploads each session's log after it: none may be on its way during a run.
          await world.spoolSettled(180_000);
          const cpuBefore =
            (await processCpuSeconds(world.server.pid)) + (await processCpuSeconds(world.agentPid));
          const started = process.hrtime.bigint();
          const result = await runCommand('/usr/bin/scp', args, { env: cli.env, timeoutMs: 600_000 });
          const wall = Number(process.hrtime.bigint() - started) / 1e9;
          if (result.code !== 0) throw new Error(`scp ${variant} ${direction}: ${result.stderr}`);
          const cpu =
            (await processCpuSeconds(world.server.pid)) +
            (await processCpuSeconds(world.agentPid)) -
            cpuBefore;
          console.log(
            `  round ${round < 0 ? 'warm-up' : round + 1} ${variant.padEnd(6)} ${direction.padEnd(8)} ${wall.toFixed(2)} s  ${(MB / wall).toFixed(1)} MB/s  server+agent CPU ${((cpu * 1000) / MB).toFixed(1)} ms/MB`,
          );
          if (round >= 0) {
            const key = `${variant} ${direction}`;
            results.set(key, [...(results.get(key) ?? []), { wall, cpu }]);
          }
        }
      }
    }
    console.log(
      `\nscp of ${MB.toFixed(1)} MB to the front, /dev/shm to /dev/shm, median of ${ROUNDS} rounds:`,
    );
    for (const direction of ['upload', 'download']) {
      const direct = median((results.get(`direct ${direction}`) ?? []).map((r) => r.wall));
      const tunnel = median((results.get(`tunnel ${direction}`) ?? []).map((r) => r.wall));
      const cpu = (variant: string) =>
        median((results.get(`${variant} ${direction}`) ?? []).map((r) => (r.cpu * 1000) / MB));
      console.log(
        `  ${direction.padEnd(8)} direct ${(MB / direct).toFixed(1)} MB/s (${cpu('direct').toFixed(1)} ms/MB)  ` +
          `tunnel ${(MB / tunnel).toFixed(1)} MB/s (${cpu('tunnel').toFixed(1)} ms/MB server+agent)  ` +
          `ratio ${(direct / tunnel).toFixed(2)}`,
      );
    }
    await rm(localDir, { recursive: true, force: true });
    await rm(remoteDir, { recursive: true, force: true });
  }

  async function echo(cli: CliHome): Promise<void> {
    const keys = Number(values.keys);
    const samples = { direct: [] as number[], tunnel: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const variant of ['direct', 'tunnel'] as const) {
        const options = [
          ...(await world.frontOptions()),
          ...(variant === 'tunnel' ? ['-o', `ProxyCommand=${proxy}`] : []),
          ...['-p', String(world.frontPort), `${world.user.name}@127.0.0.1`],
        ];
        const got = await echoSession(options, keys, 'cat', cli.env);
        samples[variant].push(...got);
        console.log(
          `  round ${round + 1} ${variant.padEnd(6)} p50 ${percentile(got, 50).toFixed(2)} p99 ${percentile(got, 99).toFixed(2)} ms  load ${await loadAverage()}`,
        );
      }
    }
    const at = (variant: 'direct' | 'tunnel', p: number) => percentile(samples[variant], p);
    console.log(`\nkeystroke echo in \`ssh -tt … cat\`, ${ROUNDS} rounds × ${keys} keys, ms:`);
    for (const p of [50, 90, 99]) {
      console.log(
        `  p${p}: straight to the front ${at('direct', p).toFixed(2)}, through the tunnel ${at('tunnel', p).toFixed(2)}, added ${(at('tunnel', p) - at('direct', p)).toFixed(2)}`,
      );
    }
  }

  async function reconnect(): Promise<void> {
    const restarts = Number(values.restarts);
    const times: Record<'kill' | 'stop', number[]> = { kill: [], stop: [] };
    for (let i = 0; i < restarts; i++) {
      for (const how of ['kill', 'stop'] as const) {
        const since = world.agentOutput().length;
        const { gone, listening } = await world.restartServer(how);
        const linked = await agentSays(world, /tunnel: connected to /, since);
        times[how].push((linked - listening) / 1000);
        console.log(
          `  ${how === 'kill' ? 'SIGKILL' : 'SIGTERM'} ${i + 1}: down ${((listening - gone) / 1000).toFixed(2)} s, linked again ${((linked - listening) / 1000).toFixed(2)} s after it listened  load ${await loadAverage()}`,
        );
      }
    }
    console.log(
      `\nthe agent's link after a server restart, ${restarts} of each, seconds from listening to linked:`,
    );
    for (const how of ['kill', 'stop'] as const) {
      console.log(
        `  ${how === 'kill' ? 'SIGKILL' : 'SIGTERM'}: p50 ${percentile(times[how], 50).toFixed(2)}, p95 ${percentile(times[how], 95).toFixed(2)}, max ${Math.max(...times[how]).toFixed(2)}`,
      );
    }
  }
} finally {
  await world.stop();
  await runCleanups();
}
