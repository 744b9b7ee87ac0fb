/**
 * The agent's SSH front (issue 19, Performance): a recorded session through `latchkey-agent run`'s front
 * against the same sshd reached straight with a plain key ("unrecorded ssh straight to sshd"), side by
 * side in one run: every round runs each configuration once, in turn (A B A B …), so load from other work
 * hits them alike. Setup: bench/support/front-world.ts (a real latchkey-server, a real sshd, the agent as
 * it ships, a certificate from POST /v1/me/certificates, the front's host key from GET /v1/me/targets).
 *
 * Parts (--only, comma-separated; all by default):
 *  - bulk:     `ssh -tt … 'head -c 64M /dev/urandom | base64' > /dev/null` (91.8 MB through the PTY):
 *              throughput ratio front/direct (target ≥ 0.9), the agent's CPU per MB, the client's CPU;
 *              `--bulk-modes shell` also types the command into a login shell (the front then follows
 *              the screen with its terminal emulator; keep it under ~30M there, see docs/benchmarks.md).
 *  - echo:     one character typed into a local PTY running `ssh -tt … cat` (and at bash's prompt),
 *              timed until its echo comes back (target: the front adds < 2 ms at p99).
 *  - scp:      100 MiB, /dev/shm to /dev/shm, upload and download, scp's sftp mode and -O (target ≥ 0.8 of
 *              direct); the front with recording on and with it off (the session-log key set to "").
 *  - login:    `ssh … echo ready` to the output and to exit: direct with OpenSSH's default kex, direct
 *              with curve25519-sha256 (what the front's ssh2 offers), the front.
 *  - sessions: N concurrent `ssh -tt` shells through the front: the agent's RSS and CPU per session, idle,
 *              then with a line of output a second each.
 * Before each run the bench waits until the agent has uploaded every log, and reports the agent's and the
 * server's CPU for that upload apart ("upload after").
 *
 *   node --conditions=latchkey-source --import tsx bench/ssh-front.bench.ts [--only bulk,echo,scp,login,sessions]
 *        [--rounds 7] [--agent packaged|rebuilt|bundle|source] [--bulk-modes exec,shell] [--megabytes 64]
 *        [--bulk-command CMD --bulk-bytes N] [--echo-modes cat,shell] [--keys 150] [--scp-megabytes 100]
 *        [--scp-modes sftp,legacy] [--scp-directions upload,download] [--scp-variants direct,recorded,off]
 *        [--logins 15] [--sessions 200] [--session-seconds 30]
 *        [--front-cipher-variant] [--agent-nice N]
 *   BENCH_AGENT_NODE_OPTIONS="--cpu-prof --cpu-prof-dir=/tmp/prof" …   # profile the agent
 *   --agent rebuilt with BENCH_AGENT_PATCH, BENCH_AGENT_SSH2_BINDING, BENCH_AGENT_NODE_FLAGS: a changed front
 *   (bench/support/front-world.ts)
 */
import { spawn } from 'node:child_process';
import { chown, mkdir, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { runCleanups, runCommand } from '../test/harness/index.js';
import { echoSession } from './support/echo-session.js';
import {
  loadAverage,
  machineJiffies,
  median,
  percentile,
  processCpuSeconds,
  processMemoryMb,
  startFrontWorld,
  type AgentKind,
  type FrontWorld,
} from './support/front-world.js';

const { values } = parseArgs({
  options: {
    only: { type: 'string', default: 'bulk,echo,scp,login,sessions' },
    rounds: { type: 'string', default: '7' },
    agent: { type: 'string', default: 'packaged' },
    megabytes: { type: 'string', default: '64' },
    'scp-megabytes': { type: 'string', default: '100' },
    'scp-modes': { type: 'string', default: 'sftp,legacy' },
    'scp-directions': { type: 'string', default: 'upload,download' },
    // Which of direct, recorded (the front recording), off (the front with recording off) to run.
    'scp-variants': { type: 'string', default: 'direct,recorded,off' },
    // exec: `ssh -tt HOST COMMAND`; shell: the command typed into a login shell (`ssh -tt HOST`), where the
    // front also follows the screen for typed commands (TerminalCommandTracker).
    'bulk-modes': { type: 'string', default: 'exec,shell' },
    // Another remote command for the bulk part, and the bytes it writes to the terminal (for MB/s).
    'bulk-command': { type: 'string' },
    'bulk-bytes': { type: 'string' },
    keys: { type: 'string', default: '150' },
    // cat: `ssh -tt HOST cat` (the remote tty echoes); shell: typed at bash's prompt (readline echoes, and
    // the front follows the screen).
    'echo-modes': { type: 'string', default: 'cat,shell' },
    logins: { type: 'string', default: '15' },
    sessions: { type: 'string', default: '200' },
    'session-seconds': { type: 'string', default: '30' },
    // Also the front with the client asking for aes128-gcm (what the front prefers, but OpenSSH's own
    // order puts aes128-ctr first when chacha20-poly1305 is not offered).
    'front-cipher-variant': { type: 'boolean', default: false },
    // Run the agent (every thread) at this nice value, as a unit's Nice= would (e.g. -5).
    'agent-nice': { type: 'string' },
  },
});
const PARTS = new Set(values.only.split(','));
const ROUNDS = Number(values.rounds);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const fmt = (value: number, digits = 2) => value.toFixed(digits);

interface Config {
  name: string;
  /** ssh options and `-p PORT user@127.0.0.1` for ssh (scp takes -P: see scpTarget). */
  options(): Promise<string[]>;
  port: number;
  front: boolean;
}

function configs(world: FrontWorld): Config[] {
  const destination = (port: number) => ['-p', String(port), `${world.user.name}@127.0.0.1`];
  const list: Config[] = [
    {
      name: 'direct',
      front: false,
      port: world.sshd.port,
      options: async () => [...world.directOptions(), ...destination(world.sshd.port)],
    },
    {
      name: 'front',
      front: true,
      port: world.frontPort,
      options: async () => [...(await world.frontOptions()), ...destination(world.frontPort)],
    },
  ];
  if (values['front-cipher-variant']) {
    list.push({
      name: 'front -c aes128-gcm',
      front: true,
      port: world.frontPort,
      options: async () => [
        ...(await world.frontOptions()),
        '-c',
        'aes128-gcm@openssh.com',
        ...destination(world.frontPort),
      ],
    });
  }
  return list;
}

/** What a run cost: wall, the client's CPU (/usr/bin/time), the agent's CPU, the machine's busy share. */
interface RunCost {
  wall: number;
  clientCpu: number;
  agentCpu: number;
  machineBusy: number;
  /** After the client exited, until the spool is empty: the agent's and the server's CPU (the log's upload). */
  afterAgentCpu: number;
  afterServerCpu: number;
}

/** Runs `file args` under /usr/bin/time, stdout to /dev/null, stdin an open pipe; answers its cost. */
let perfRuns = 0;
const PERF_EVENTS =
  'syscalls:sys_enter_read,syscalls:sys_enter_write,syscalls:sys_enter_poll,syscalls:sys_enter_ppoll,context-switches';

async function costOf(
  world: FrontWorld,
  file: string,
  args: string[],
  input?: string,
  timeoutMs = 600_000,
): Promise<RunCost> {
  const timeFile = `${world.base}/time-${process.pid}`;
  const devNull = await open('/dev/null', 'w');
  const cpuBefore = await processCpuSeconds(world.agentPid);
  const jiffiesBefore = await machineJiffies();
  const started = process.hrtime.bigint();
  // BENCH_CLIENT_PERF=DIR: the client also runs under `perf stat` (syscalls and context switches),
  // each run's counts in DIR, to compare how the client reads from the front and from sshd.
  const perfDir = process.env.BENCH_CLIENT_PERF;
  const perf = perfDir
    ? ['perf', 'stat', '-x,', '-o', `${perfDir}/${file}-${++perfRuns}.csv`, '-e', PERF_EVENTS, '--']
    : [];
  const child = spawn('/usr/bin/time', ['-f', '%U %S', '-o', timeFile, ...perf, file, ...args], {
    stdio: ['pipe', devNull.fd, 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  if (input !== undefined) child.stdin!.write(input);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const jiffiesAfter = await machineJiffies();
  const agentCpu = (await processCpuSeconds(world.agentPid)) - cpuBefore;
  await devNull.close();
  child.stdin!.destroy();
  if (code !== 0) throw new Error(`${file} ${args.join(' ')} exited ${code}: ${stderr}`);
  const [user, system] = (await readFile(timeFile, 'utf8')).trim().split('\n').pop()!.split(' ').map(Number);
  const serverBefore = await processCpuSeconds(world.server.pid);
  const agentBefore = await processCpuSeconds(world.agentPid);
  await world.spoolSettled(180_000);
  return {
    afterAgentCpu: (await processCpuSeconds(world.agentPid)) - agentBefore,
    afterServerCpu: (await processCpuSeconds(world.server.pid)) - serverBefore,
    wall,
    clientCpu: user! + system!,
    agentCpu,
    machineBusy: (jiffiesAfter.busy - jiffiesBefore.busy) / (jiffiesAfter.total - jiffiesBefore.total),
  };
}

/** The cipher, MAC and kex a connection negotiates (from ssh -v). */
async function negotiated(options: string[]): Promise<string> {
  const result = await runCommand(
    'ssh',
    [...options.map((o) => (o === 'LogLevel=ERROR' ? 'LogLevel=DEBUG1' : o)), 'true'],
    { timeoutMs: 30_000 },
  );
  const kex = /kex: algorithm: (\S+)/.exec(result.stderr)?.[1];
  const cipher = /kex: server->client cipher: (\S+) MAC: (\S+)/.exec(result.stderr);
  return `kex ${kex}, cipher ${cipher?.[1]}, MAC ${cipher?.[2]}`;
}

function pairedRatios(a: number[], b: number[]): number[] {
  return a.map((value, i) => value / b[i]!);
}

function printTable(header: string[], rows: (string | number)[][]): void {
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}

// ---------------------------------------------------------------------------------------------------

async function bulk(world: FrontWorld): Promise<void> {
  const megabytes = Number(values.megabytes);
  const bytesIn = megabytes * 1024 * 1024;
  const base64 = Math.ceil(bytesIn / 3) * 4;
  const lines = Math.ceil(base64 / 76);
  const bytesOut = base64 + 2 * lines; // the PTY turns each \n into \r\n
  const custom = values['bulk-command'];
  const mb = (custom === undefined ? bytesOut : Number(values['bulk-bytes'] ?? NaN)) / 1e6;
  const command = custom ?? `head -c ${megabytes}M /dev/urandom | base64`;
  const configList = configs(world);
  for (const config of configList)
    console.log(`  ${config.name}: ${await negotiated(await config.options())}`);
  const modes = values['bulk-modes'].split(',') as ('exec' | 'shell')[];
  const list = modes.flatMap((mode) =>
    configList.map((config) => ({ ...config, mode, label: `${mode}: ${config.name}` })),
  );
  const runs = new Map<string, RunCost[]>(list.map((c) => [c.label, []]));
  // One unmeasured warm-up round.
  for (let round = -1; round < ROUNDS; round++) {
    for (const config of list) {
      await world.spoolSettled();
      const cost =
        config.mode === 'exec'
          ? await costOf(world, 'ssh', ['-tt', ...(await config.options()), command])
          : await costOf(world, 'ssh', ['-tt', ...(await config.options())], `${command}; exit\n`);
      if (round >= 0) runs.get(config.label)!.push(cost);
      console.log(
        `  round ${round < 0 ? 'warm-up' : round + 1} ${config.label.padEnd(27)} ${fmt(cost.wall)} s  ${fmt(mb / cost.wall, 1)} MB/s  agent ${fmt(cost.agentCpu)} s (+${fmt(cost.afterAgentCpu)} s upload, server ${fmt(cost.afterServerCpu)} s)  client ${fmt(cost.clientCpu)} s  busy ${fmt(cost.machineBusy * 100, 0)} %  load ${await loadAverage()}`,
      );
    }
  }
  console.log(`\nbulk PTY output, ${fmt(mb, 1)} MB per run, ${ROUNDS} rounds:`);
  printTable(
    [
      'mode: config',
      'median s',
      'MB/s',
      'ratio of medians',
      'paired median ratio (min–max)',
      'agent CPU ms/MB',
      'upload after: agent · server ms/MB',
      'client CPU s',
      'machine busy',
    ],
    list.map((config) => {
      const direct = runs.get(`${config.mode}: direct`)!;
      const these = runs.get(config.label)!;
      const walls = these.map((r) => r.wall);
      const paired = pairedRatios(
        direct.map((r) => r.wall),
        walls,
      );
      return [
        config.label,
        fmt(median(walls)),
        fmt(mb / median(walls), 1),
        fmt(median(direct.map((r) => r.wall)) / median(walls)),
        `${fmt(median(paired))} (${fmt(Math.min(...paired))}–${fmt(Math.max(...paired))})`,
        config.front ? fmt((median(these.map((r) => r.agentCpu)) * 1000) / mb, 1) : '–',
        config.front
          ? `${fmt((median(these.map((r) => r.afterAgentCpu)) * 1000) / mb, 1)} · ${fmt((median(these.map((r) => r.afterServerCpu)) * 1000) / mb, 1)}`
          : '–',
        fmt(median(these.map((r) => r.clientCpu))),
        `${fmt(median(these.map((r) => r.machineBusy)) * 100, 0)} %`,
      ];
    }),
  );
}

// ---------------------------------------------------------------------------------------------------

/** Keystroke echo through the front against sshd straight, per mode, round after round. */
async function echo(world: FrontWorld): Promise<void> {
  const keys = Number(values.keys);
  const modes = values['echo-modes'].split(',') as ('cat' | 'shell')[];
  const base = configs(world).filter((c) => c.name === 'direct' || c.name === 'front');
  const list = modes.flatMap((mode) =>
    base.map((config) => ({ ...config, mode, label: `${mode}: ${config.name}` })),
  );
  const samples = new Map<string, number[]>(list.map((c) => [c.label, []]));
  const p99s = new Map<string, number[]>(list.map((c) => [c.label, []]));
  const agentCpu = new Map<string, number[]>(list.map((c) => [c.label, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const config of list) {
      await world.spoolSettled();
      const before = await processCpuSeconds(world.agentPid);
      const got = await echoSession(await config.options(), keys, config.mode);
      agentCpu.get(config.label)!.push((await processCpuSeconds(world.agentPid)) - before);
      samples.get(config.label)!.push(...got);
      p99s.get(config.label)!.push(percentile(got, 99));
      console.log(
        `  round ${round + 1} ${config.label.padEnd(14)} p50 ${fmt(percentile(got, 50))} p90 ${fmt(percentile(got, 90))} p99 ${fmt(percentile(got, 99))} max ${fmt(Math.max(...got))} ms  load ${await loadAverage()}`,
      );
    }
  }
  console.log(`\nkeystroke echo, ${ROUNDS} rounds × ${keys} keys per config (8–20 ms apart):`);
  const all = (label: string) => samples.get(label)!;
  printTable(
    ['mode: config', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'median of per-round p99s', 'agent CPU per key'],
    list.map((config) => [
      config.label,
      fmt(percentile(all(config.label), 50)),
      fmt(percentile(all(config.label), 90)),
      fmt(percentile(all(config.label), 99)),
      fmt(Math.max(...all(config.label))),
      fmt(median(p99s.get(config.label)!)),
      config.front ? `${fmt((median(agentCpu.get(config.label)!) * 1e6) / keys, 0)} µs (incl. login)` : '–',
    ]),
  );
  for (const mode of modes) {
    const added = (p: number) => percentile(all(`${mode}: front`), p) - percentile(all(`${mode}: direct`), p);
    const pairedP99 = median(
      p99s.get(`${mode}: front`)!.map((value, i) => value - p99s.get(`${mode}: direct`)![i]!),
    );
    console.log(
      `${mode}: added by the front: p50 ${fmt(added(50))} ms, p90 ${fmt(added(90))} ms, p99 ${fmt(added(99))} ms; median of the rounds' p99 differences ${fmt(pairedP99)} ms (target < 2 ms at p99)`,
    );
  }
}

// ---------------------------------------------------------------------------------------------------

async function scp(world: FrontWorld): Promise<void> {
  const megabytes = Number(values['scp-megabytes']);
  const bytes = megabytes * 1024 * 1024;
  const mb = bytes / 1e6;
  const localDir = `/dev/shm/latchkey-bench-${process.pid}`;
  const remoteDir = `/dev/shm/latchkey-bench-${world.user.name}`;
  await mkdir(localDir, { recursive: true });
  await mkdir(remoteDir, { recursive: true, mode: 0o700 });
  await chown(remoteDir, world.user.uid, world.user.gid);
  const source = `${localDir}/payload.bin`;
  await writeFile(source, randomBytes(bytes));
  await writeFile(`${remoteDir}/payload.bin`, await readFile(source));
  await chown(`${remoteDir}/payload.bin`, world.user.uid, world.user.gid);
  const modes = values['scp-modes'].split(',') as ('sftp' | 'legacy')[];
  // Each round: direct, front (recorded), front (recording off: the session-log key removed).
  const wanted = new Set(values['scp-variants'].split(','));
  const directions = values['scp-directions'].split(',') as ('upload' | 'download')[];
  const variants = [
    { name: 'direct', short: 'direct', front: false, recorded: false },
    { name: 'front, recorded', short: 'recorded', front: true, recorded: true },
    { name: 'front, recording off', short: 'off', front: true, recorded: false },
  ].filter((variant) => wanted.has(variant.short));
  const runs = new Map<string, RunCost[]>();
  const key = (variant: string, mode: string, direction: string) => `${variant}|${mode}|${direction}`;
  let recording = true;
  try {
    for (let round = -1; round < ROUNDS; round++) {
      for (const variant of variants) {
        if (variant.front && variant.recorded !== recording) {
          await world.setRecording(variant.recorded);
          recording = variant.recorded;
        }
        const config = configs(world).find((c) => c.front === variant.front)!;
        const options = (await config.options()).slice(0, -3); // without -p PORT destination
        const target = `${world.user.name}@127.0.0.1`;
        for (const mode of modes) {
          for (const direction of directions) {
            await world.spoolSettled(120_000);
            const remote = `${target}:${remoteDir}/${direction === 'upload' ? `up-${mode}.bin` : 'payload.bin'}`;
            const local = direction === 'upload' ? source : `${localDir}/down-${mode}.bin`;
            const args = [
              ...(mode === 'legacy' ? ['-O'] : []),
              ...options,
              ...['-P', String(config.port)],
              ...(direction === 'upload' ? [local, remote] : [remote, local]),
            ];
            const cost = await costOf(world, 'scp', args);
            if (round >= 0) {
              const k = key(variant.name, mode, direction);
              runs.set(k, [...(runs.get(k) ?? []), cost]);
            }
            console.log(
              `  round ${round < 0 ? 'warm-up' : round + 1} ${variant.name.padEnd(21)} ${mode.padEnd(6)} ${direction.padEnd(8)} ${fmt(cost.wall)} s  ${fmt(mb / cost.wall, 1)} MB/s  agent ${fmt(cost.agentCpu)} s (+${fmt(cost.afterAgentCpu)} s upload, server ${fmt(cost.afterServerCpu)} s)  client ${fmt(cost.clientCpu)} s  busy ${fmt(cost.machineBusy * 100, 0)} %  load ${await loadAverage()}`,
            );
          }
        }
      }
    }
  } finally {
    if (!recording) await world.setRecording(true);
    await rm(localDir, { recursive: true, force: true });
    await rm(remoteDir, { recursive: true, force: true });
  }
  console.log(`\nscp of ${fmt(mb, 1)} MB, /dev/shm to /dev/shm, ${ROUNDS} rounds:`);
  const rows: (string | number)[][] = [];
  for (const mode of modes) {
    for (const direction of directions) {
      const direct = runs.get(key('direct', mode, direction))?.map((r) => r.wall) ?? [];
      for (const variant of variants) {
        const list = runs.get(key(variant.name, mode, direction))!;
        const walls = list.map((r) => r.wall);
        const paired = pairedRatios(direct, walls);
        rows.push([
          `${mode === 'legacy' ? 'scp -O' : 'scp (sftp)'} ${direction}`,
          variant.name,
          fmt(mb / median(walls), 1),
          // Without direct runs (--scp-variants) there is no ratio.
          direct.length === 0 ? '–' : fmt(median(direct) / median(walls)),
          direct.length === 0
            ? '–'
            : `${fmt(median(paired))} (${fmt(Math.min(...paired))}–${fmt(Math.max(...paired))})`,
          variant.front ? fmt((median(list.map((r) => r.agentCpu)) * 1000) / mb, 1) : '–',
          variant.front
            ? `${fmt((median(list.map((r) => r.afterAgentCpu)) * 1000) / mb, 1)} · ${fmt((median(list.map((r) => r.afterServerCpu)) * 1000) / mb, 1)}`
            : '–',
          fmt(median(list.map((r) => r.clientCpu))),
          `${fmt(median(list.map((r) => r.machineBusy)) * 100, 0)} %`,
        ]);
      }
    }
  }
  printTable(
    [
      'transfer',
      'config',
      'MB/s (median)',
      'ratio of medians',
      'paired median ratio (min–max)',
      'agent CPU ms/MB',
      'upload after: agent · server ms/MB',
      'client CPU s',
      'machine busy',
    ],
    rows,
  );
}

// ---------------------------------------------------------------------------------------------------

interface Timing {
  toOutput: number;
  toExit: number;
}

function timedSsh(args: string[]): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const since = () => Number(process.hrtime.bigint() - started) / 1e6;
    const child = spawn('ssh', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let toOutput: number | undefined;
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      toOutput ??= since();
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => {
      clearTimeout(timer);
      const toExit = since();
      if (code !== 0 || stdout !== 'ready\n' || toOutput === undefined) {
        reject(new Error(`ssh ${args.join(' ')} exited ${code}: ${stdout}${stderr}`));
      } else resolve({ toOutput, toExit });
    });
  });
}

async function login(world: FrontWorld): Promise<void> {
  const runsPerConfig = Number(values.logins);
  const direct = configs(world).find((c) => c.name === 'direct')!;
  const front = configs(world).find((c) => c.name === 'front')!;
  const list = [
    { name: 'direct, default kex', options: async () => direct.options() },
    {
      name: 'direct, curve25519-sha256',
      options: async () => ['-o', 'KexAlgorithms=curve25519-sha256', ...(await direct.options())],
    },
    { name: 'front', options: async () => front.options(), front: true },
  ];
  for (const config of list) console.log(`  ${config.name}: ${await negotiated(await config.options())}`);
  const timings = new Map<string, Timing[]>(list.map((c) => [c.name, []]));
  const agentCpu: number[] = [];
  for (let i = -2; i < runsPerConfig; i++) {
    for (const config of list) {
      const options = await config.options();
      const before = config.front ? await processCpuSeconds(world.agentPid) : 0;
      const timing = await timedSsh([...options, 'echo', 'ready']);
      if (i < 0) continue;
      if (config.front) {
        await sleep(50); // the agent finishes the session's log after the client has gone
        agentCpu.push((await processCpuSeconds(world.agentPid)) - before);
      }
      timings.get(config.name)!.push(timing);
    }
  }
  console.log(
    `\nlogin: ssh … echo ready, ${runsPerConfig} alternating runs each (after 2 warm-up), load ${await loadAverage()}:`,
  );
  const base = (name: string) => median(timings.get(name)!.map((t) => t.toOutput));
  printTable(
    [
      'config',
      'to output median ms (p90)',
      'to exit median ms (p90)',
      'vs direct default kex',
      'vs direct curve25519',
      'paired vs curve25519',
    ],
    list.map((config) => {
      const t = timings.get(config.name)!;
      const out = t.map((x) => x.toOutput);
      const exit = t.map((x) => x.toExit);
      const paired = pairedRatios(
        out,
        timings.get('direct, curve25519-sha256')!.map((x) => x.toOutput),
      );
      return [
        config.name,
        `${fmt(median(out), 0)} (${fmt(percentile(out, 90), 0)})`,
        `${fmt(median(exit), 0)} (${fmt(percentile(exit, 90), 0)})`,
        `${fmt(median(out) / base('direct, default kex'))}×`,
        `${fmt(median(out) / base('direct, curve25519-sha256'))}×`,
        `${fmt(median(paired))}×`,
      ];
    }),
  );
  console.log(
    `agent CPU per login through the front (median, 10 ms ticks): ${fmt(median(agentCpu) * 1000, 0)} ms`,
  );
}

// ---------------------------------------------------------------------------------------------------

async function sessions(world: FrontWorld): Promise<void> {
  const count = Number(values.sessions);
  const seconds = Number(values['session-seconds']);
  const pid = world.agentPid;
  await world.spoolSettled();
  await sleep(3000);
  const measure = async (label: string) => {
    const cpuBefore = await processCpuSeconds(pid);
    const started = Date.now();
    let rssMax = 0;
    while (Date.now() - started < seconds * 1000) {
      rssMax = Math.max(rssMax, (await processMemoryMb(pid)).rss);
      await sleep(1000);
    }
    const cpu = ((await processCpuSeconds(pid)) - cpuBefore) / ((Date.now() - started) / 1000);
    const memory = await processMemoryMb(pid);
    console.log(
      `  ${label.padEnd(48)} RSS ${fmt(memory.rss, 1)} MB (max ${fmt(rssMax, 1)}, HWM ${fmt(memory.hwm, 1)})  CPU ${fmt(cpu * 100, 2)} % of a core  load ${await loadAverage()}`,
    );
    return { rss: rssMax, cpu };
  };
  const idleBefore = await measure('agent idle, no sessions');

  interface Shell {
    child: ReturnType<typeof spawn>;
    output: string;
    closed: Promise<void>;
  }
  const shells: Shell[] = [];
  const loginTimes: number[] = [];
  const open = async (): Promise<void> => {
    const started = Date.now();
    const child = spawn(
      'ssh',
      ['-tt', ...(await world.frontOptions()), '-p', String(world.frontPort), `${world.user.name}@127.0.0.1`],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    const shell: Shell = {
      child,
      output: '',
      closed: new Promise((resolve) => child.on('close', () => resolve())),
    };
    child.stdout!.on('data', (chunk: Buffer) => {
      shell.output += chunk.toString();
      if (shell.output.length > 4096) shell.output = shell.output.slice(-1024);
    });
    child.stderr!.on('data', (chunk: Buffer) => (shell.output += chunk.toString()));
    shells.push(shell);
    const deadline = Date.now() + 60_000;
    while (!shell.output.includes('[lk-prompt]')) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no prompt: ${shell.output}`);
      await sleep(20);
    }
    loginTimes.push(Date.now() - started);
  };
  const cpuBeforeOpening = await processCpuSeconds(pid);
  const openingStarted = Date.now();
  try {
    // Eight logins in flight at a time (the front takes 64 waiting logins, sshd's MaxStartups is raised).
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < count) {
          next++;
          await open();
        }
      }),
    );
    const openingCpu = (await processCpuSeconds(pid)) - cpuBeforeOpening;
    console.log(
      `  opened ${count} sessions in ${fmt((Date.now() - openingStarted) / 1000, 1)} s (8 at a time; login to prompt p50 ${median(loginTimes)} ms, p90 ${percentile(loginTimes, 90)} ms); agent CPU ${fmt(openingCpu, 2)} s (${fmt((openingCpu * 1000) / count, 1)} ms a login)`,
    );
    const live = await world.admin('GET', '/latchkey/agents').catch(() => undefined);
    void live;
    await sleep(3000);
    const idle = await measure(`${count} idle shells`);
    for (const shell of shells)
      shell.child.stdin!.write('while :; do echo "tick $SECONDS"; read -rt 1; done\n');
    await sleep(2000);
    const busy = await measure(`${count} shells printing a line a second`);
    console.log(`\n${count} concurrent sessions through one front (agent ${world.agentKind}):`);
    printTable(
      ['state', 'agent RSS (max over the window)', 'RSS per session', 'agent CPU', 'CPU per session'],
      [
        [
          'no sessions',
          `${fmt(idleBefore.rss, 1)} MB`,
          '–',
          `${fmt(idleBefore.cpu * 100, 2)} % of a core`,
          '–',
        ],
        [
          `${count} idle shells`,
          `${fmt(idle.rss, 1)} MB`,
          `${fmt(((idle.rss - idleBefore.rss) * 1024) / count, 0)} KB`,
          `${fmt(idle.cpu * 100, 2)} %`,
          `${fmt(((idle.cpu - idleBefore.cpu) * 1e6) / count, 0)} µs/s`,
        ],
        [
          `${count} shells, a line a second each`,
          `${fmt(busy.rss, 1)} MB`,
          `${fmt(((busy.rss - idleBefore.rss) * 1024) / count, 0)} KB`,
          `${fmt(busy.cpu * 100, 2)} %`,
          `${fmt(((busy.cpu - idleBefore.cpu) * 1e6) / count, 0)} µs/s`,
        ],
      ],
    );
  } finally {
    for (const shell of shells) {
      shell.child.stdin!.write('\x03exit\n');
      shell.child.stdin!.end();
    }
    const all = Promise.all(shells.map((s) => s.closed));
    const timer = setTimeout(() => shells.forEach((s) => s.child.kill('SIGKILL')), 15_000);
    await all;
    clearTimeout(timer);
  }
  await sleep(5000);
  const after = await processMemoryMb(pid);
  console.log(`  after all closed (5 s): RSS ${fmt(after.rss, 1)} MB, HWM ${fmt(after.hwm, 1)} MB`);
}

// ---------------------------------------------------------------------------------------------------

const nproc = (await runCommand('nproc', [])).stdout.trim();
const model = /model name\s*:\s*(.*)/.exec(await readFile('/proc/cpuinfo', 'utf8'))?.[1];
const sshVersion = (await runCommand('ssh', ['-V'])).stderr.trim();
console.log(
  `machine: ${nproc} × ${model}; node ${process.version}; ${sshVersion}; load ${await loadAverage()}`,
);
let world: FrontWorld | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`${signal}: cleaning up`);
    void (async () => {
      await world?.stop().catch(() => undefined);
      await runCleanups();
      process.exit(130);
    })();
  });
}
try {
  world = await startFrontWorld({
    agent: values.agent as AgentKind,
    log: (line) => console.log(`  ${line}`),
  });
  console.log(
    `front on 127.0.0.1:${world.frontPort}, sshd on 127.0.0.1:${world.sshd.port}, agent pid ${world.agentPid}`,
  );
  const memory = await processMemoryMb(world.agentPid);
  console.log(`agent RSS at start ${fmt(memory.rss, 1)} MB`);
  if (values['agent-nice'] !== undefined) {
    const tasks = await readdir(`/proc/${world.agentPid}/task`);
    const reniced = await runCommand('renice', ['-n', values['agent-nice'], '-p', ...tasks]);
    if (reniced.code !== 0) throw new Error(reniced.stderr);
    console.log(`agent at nice ${values['agent-nice']} (${tasks.length} threads)`);
  }
  for (const [name, part] of [
    ['bulk', bulk],
    ['echo', echo],
    ['scp', scp],
    ['login', login],
    ['sessions', sessions],
  ] as const) {
    if (!PARTS.has(name)) continue;
    console.log(`\n== ${name} (load ${await loadAverage()})`);
    await part(world);
  }
  const end = await processMemoryMb(world.agentPid);
  console.log(
    `\nagent RSS at the end ${fmt(end.rss, 1)} MB, HWM ${fmt(end.hwm, 1)} MB; load ${await loadAverage()}`,
  );
} catch (error) {
  if (world !== undefined) {
    await sleep(2000);
    const lines = world
      .agentOutput()
      .split('\n')
      .filter((line) => line.length < 400);
    console.error(
      `the agent: ${world.agentExit() ?? 'still running'}; it said (the last 30 lines under 400 characters):\n${lines.slice(-30).join('\n')}`,
    );
  }
  throw error;
} finally {
  await world?.stop();
  await runCleanups();
}
