/**
 * The tunnel (issue #14): scp to the agent's SSH front straight (its loopback port) and through the
 * access server's tunnel (`ProxyCommand latchkey proxy`), side by side, A B A B …, upload and download,
 * with the CPU the server and the agent spent per MB. Setup: bench/support/front-world.ts with the agent
 * from the sources (the tunnel is new), a latchkey CLI home signed in as the bench person.
 *
 *   node --conditions=latchkey-source --import tsx bench/tunnel.bench.ts [--rounds 5] [--megabytes 64]
 */
import { chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runCleanups, runCommand } from '../test/harness/index.js';
import { LATCHKEY_BIN, loginWithDeviceFlow, makeCliHome } from '../test/e2e/cli/latchkey-cli.js';
import { PERSON, median, processCpuSeconds, startFrontWorld } from './support/front-world.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    megabytes: { type: 'string', default: '64' },
  },
});
const ROUNDS = Number(values.rounds);
const BYTES = Number(values.megabytes) * 1024 * 1024;
const MB = BYTES / 1e6;

const world = await startFrontWorld({ agent: 'source' });
try {
  const waitForTunnel = Date.now() + 60_000;
  while (!/tunnel: connected to /.test(world.agentOutput())) {
    if (Date.now() > waitForTunnel) throw new Error(`no tunnel:\n${world.agentOutput()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const cli = await makeCliHome(path.join(world.base, 'cli'), world.server.url);
  const login = await loginWithDeviceFlow(cli, PERSON);
  if (login.code !== 0) throw new Error(`login: ${login.stderr}`);

  const localDir = `/dev/shm/latchkey-tunnel-bench-${process.pid}`;
  const remoteDir = `/dev/shm/latchkey-tunnel-bench-${world.user.name}`;
  await mkdir(localDir, { recursive: true });
  await mkdir(remoteDir, { recursive: true, mode: 0o700 });
  await chown(remoteDir, world.user.uid, world.user.gid);
  const source = `${localDir}/payload.bin`;
  await writeFile(source, randomBytes(BYTES));
  await writeFile(`${remoteDir}/payload.bin`, await readFile(source));
  await chown(`${remoteDir}/payload.bin`, world.user.uid, world.user.gid);

  const proxy = `${process.execPath} ${LATCHKEY_BIN} proxy ${world.targetId} %p`;
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
        const cpuBefore =
          (await processCpuSeconds(world.server.pid)) + (await processCpuSeconds(world.agentPid));
        const started = process.hrtime.bigint();
        const result = await runCommand('/usr/bin/scp', args, { env: cli.env, timeoutMs: 600_000 });
        const wall = Number(process.hrtime.bigint() - started) / 1e9;
        if (result.code !== 0) throw new Error(`scp ${variant} ${direction}: ${result.stderr}`);
        const cpu =
          (await processCpuSeconds(world.server.pid)) + (await processCpuSeconds(world.agentPid)) - cpuBefore;
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
  console.log(`\nscp of ${MB.toFixed(1)} MB to the front, /dev/shm to /dev/shm, median of ${ROUNDS} rounds:`);
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
} finally {
  await world.stop();
  await runCleanups();
}
