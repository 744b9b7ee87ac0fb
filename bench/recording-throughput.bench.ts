/**
 * Session recording overhead (issue 6), through a real sshd, a real `ssh -tt`, and the recorder started by
 * the certificate's force-command, against the same user, key and sshd with a certificate that has no
 * force-command (an unrecorded session).
 *
 * - Bulk output: `ssh -tt host 'yes … | head -c N'`; MB/s from the first byte to the last (so the
 *   recorder's start-up, node + tsx here, is not counted), best of R alternating runs each. Target:
 *   recorded ≥ 90 % of unrecorded.
 * - Keystroke echo: `ssh -tt host cat`; one key at a time, the time until its echo comes back; the
 *   added latency is recorded minus unrecorded at the same percentile. Target: p99 added < 2 ms.
 *
 * - CPU: every session runs under /usr/bin/time (the force-command of both certificates), so the CPU time
 *   of the session's side (recorder, shell, the program) is known; recorded minus unrecorded is the
 *   recorder's cost, per MB of output. Less noisy than MB/s on a shared machine. The spool's CPU is read
 *   from /proc.
 * - The floor: a third session whose force-command is util-linux `script` (a second PTY hop, in C, with
 *   nothing recorded), in the same alternating loop. Any recorder with a PTY of its own pays at least that.
 *
 *   node --conditions=latchkey-source --import tsx bench/recording-throughput.bench.ts [--mb 64] [--runs 3] [--keys 400] [--profile DIR]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readSessionLog } from '@latchkey/shared';
import { SpoolStore } from '../agent/src/spool/spool-store.js';
import { runCleanups, runCommandOrThrow, signWithSshKeygen } from '../test/harness/index.js';
import {
  RECORDER_BIN,
  sshArgs,
  startRecordingTarget,
  writeKnownHosts,
  type RecordingTarget,
} from '../test/e2e/recording/recording-fixture.js';

const { values } = parseArgs({
  options: {
    mb: { type: 'string', default: '64' },
    runs: { type: 'string', default: '3' },
    keys: { type: 'string', default: '400' },
    /** A directory for the recorder's V8 CPU profiles (node --cpu-prof), one per recorded session. */
    profile: { type: 'string' },
  },
});
const BYTES = Number(values.mb) * 1024 * 1024;
const RUNS = Number(values.runs);
const KEYS = Number(values.keys);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function sshFor(target: RecordingTarget, knownHosts: string, certificateFile: string, command: string) {
  const args = sshArgs(target, knownHosts).map((arg) =>
    arg.startsWith('CertificateFile=') ? `CertificateFile=${certificateFile}` : arg,
  );
  return spawn('/usr/bin/ssh', [...args, '-tt', target.sshd.host, command], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** A session's certificate and the file its /usr/bin/time writes (user and system CPU seconds). */
interface Session {
  readonly certificateFile: string;
  readonly timesFile: string;
}

interface BulkRun {
  /** MB/s, first byte to last. */
  readonly speed: number;
  /** CPU seconds of the session's processes (the recorder, if any, the shell, yes and head). */
  readonly cpuSeconds: number;
}

/** A bulk transfer through `ssh -tt`. */
async function bulk(target: RecordingTarget, knownHosts: string, session: Session): Promise<BulkRun> {
  const certificateFile = session.certificateFile;
  const line = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const child = sshFor(target, knownHosts, certificateFile, `yes ${line} | head -c ${BYTES}`);
  child.stdin.end();
  let received = 0;
  let first = 0n;
  let last = 0n;
  child.stdout.on('data', (chunk: Buffer) => {
    if (received === 0) first = process.hrtime.bigint();
    received += chunk.length;
    last = process.hrtime.bigint();
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`bulk ssh exited ${code}`);
  // The PTY turns each \n into \r\n: count what the user received.
  if (received < BYTES) throw new Error(`only ${received} of ${BYTES} bytes arrived`);
  const [user, system] = (await readFile(session.timesFile, 'utf8')).trim().split(/\s+/).map(Number);
  return { speed: received / 1e6 / (Number(last - first) / 1e9), cpuSeconds: user! + system! };
}

/** CPU seconds of a session that outputs nothing (`true`): its start-up and end, taken off per MB figures. */
async function idleSessionCpu(
  target: RecordingTarget,
  knownHosts: string,
  session: Session,
): Promise<number> {
  const child = sshFor(target, knownHosts, session.certificateFile, 'true');
  child.stdin.end();
  child.stdout.resume();
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`idle ssh exited ${code}`);
  const [user, system] = (await readFile(session.timesFile, 'utf8')).trim().split(/\s+/).map(Number);
  return user! + system!;
}

/** User plus system CPU seconds a process of ours has used so far (/proc/PID/stat). */
async function processCpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat(5), 12 and 13 after the command name.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Echo round trips, in ms, of single keystrokes through `ssh -tt host cat`. */
async function echoes(target: RecordingTarget, knownHosts: string, session: Session): Promise<number[]> {
  const child = sshFor(target, knownHosts, session.certificateFile, 'cat');
  let seen = '';
  let waiter: (() => void) | null = null;
  child.stdout.on('data', (chunk: Buffer) => {
    seen += chunk.toString('latin1');
    waiter?.();
  });
  const echoOf = (key: string) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (seen.includes(key)) {
          waiter = null;
          seen = '';
          resolve();
        }
      };
      waiter = check;
      check();
    });
  // Until the session is up (the recorder and cat started), keys are probes.
  for (;;) {
    child.stdin.write('!');
    const ready = await Promise.race([
      echoOf('!').then(() => true),
      new Promise((r) => setTimeout(() => r(false), 200)),
    ]);
    if (ready) break;
  }
  await new Promise((resolve) => setTimeout(resolve, 300));
  seen = '';
  const times: number[] = [];
  const keys = 'abcdefghijklmnopqrstuvwxyz';
  for (let i = 0; i < KEYS; i++) {
    const key = keys[i % keys.length]!;
    const start = process.hrtime.bigint();
    child.stdin.write(key);
    await echoOf(key);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (i % keys.length === keys.length - 1) {
      child.stdin.write('\r');
      await echoOf('\n');
    }
  }
  child.stdin.write('\x04');
  child.kill('SIGTERM');
  await new Promise((resolve) => child.on('exit', resolve));
  return times.sort((a, b) => a - b);
}

/**
 * The spool in a process of its own, as the agent daemon is in production: in this process it would
 * share the event loop that reads ssh's output and counts the bytes.
 */
function startSpoolProcess(socketPath: string, spoolDir: string): Promise<ChildProcess> {
  const spoolModule = new URL('../agent/src/spool/index.ts', import.meta.url).href;
  const code =
    `const { startRecordingSpool } = await import(${JSON.stringify(spoolModule)});` +
    `await startRecordingSpool(${JSON.stringify({ socketPath, spoolDir })});` +
    `process.stdout.write('ready\\n');`;
  const child = spawn(
    process.execPath,
    ['--conditions=latchkey-source', '--import', 'tsx', '--input-type=module', '-e', code],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    child.stdout.once('data', () => resolve(child));
    child.once('exit', (exitCode) => reject(new Error(`the spool process exited ${exitCode}`)));
  });
}

/** A certificate for the target's key whose force-command is `command` (a file of its own per name). */
async function certificateWith(target: RecordingTarget, name: string, command: string): Promise<string> {
  const keyFile = target.client.file(name);
  await runCommandOrThrow('cp', [target.identityFile + '.pub', keyFile + '.pub']);
  const { certificatePath } = await signWithSshKeygen({
    caPrivateKeyPath: target.client.file('ca'),
    publicKeyPath: keyFile + '.pub',
    keyId: `bench ${name}`,
    principals: [target.user.name],
    validity: '-1m:+1h',
    options: [`force-command=${command}`],
  });
  return certificatePath;
}

const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;

const target = await startRecordingTarget();
await target.spool!.close();
const spoolProcess = await startSpoolProcess(target.socketPath, target.spoolDir);
try {
  const knownHosts = await writeKnownHosts(target);
  // Written by the test user's /usr/bin/time.
  const timesDir = path.join(target.stateDir, '..', 'times');
  await mkdir(timesDir, { mode: 0o777 });
  await chmod(timesDir, 0o777);
  const timed = (name: string) => `/usr/bin/time -o ${path.join(timesDir, name)} -f '%U %S'`;
  const unrecorded: Session = {
    certificateFile: await certificateWith(
      target,
      'unrecorded',
      `${timed('unrecorded')} /bin/sh -c "$SSH_ORIGINAL_COMMAND"`,
    ),
    timesFile: path.join(timesDir, 'unrecorded'),
  };
  if (values.profile !== undefined) {
    await mkdir(values.profile, { recursive: true, mode: 0o777 });
    await chmod(values.profile, 0o777);
  }
  const profiling = values.profile === undefined ? '' : ` --cpu-prof --cpu-prof-dir=${values.profile}`;
  const recorded: Session = {
    certificateFile: await certificateWith(
      target,
      'recorded',
      `${timed('recorded')} env LATCHKEY_AGENT_STATE_DIR=${target.stateDir} ${process.execPath}${profiling} ${RECORDER_BIN}`,
    ),
    timesFile: path.join(timesDir, 'recorded'),
  };

  // A second PTY hop alone, in C, nothing recorded: the floor of any recorder with a PTY of its own.
  const scriptHop: Session = {
    certificateFile: await certificateWith(
      target,
      'script',
      `${timed('script')} /usr/bin/script -qfec "$SSH_ORIGINAL_COMMAND" /dev/null`,
    ),
    timesFile: path.join(timesDir, 'script'),
  };

  const idleRuns = { unrecorded: [] as number[], recorded: [] as number[], script: [] as number[] };
  for (let run = 0; run < 3; run++) {
    idleRuns.unrecorded.push(await idleSessionCpu(target, knownHosts, unrecorded));
    idleRuns.recorded.push(await idleSessionCpu(target, knownHosts, recorded));
    idleRuns.script.push(await idleSessionCpu(target, knownHosts, scriptHop));
  }
  const idle = {
    unrecorded: median(idleRuns.unrecorded),
    recorded: median(idleRuns.recorded),
    script: median(idleRuns.script),
  };

  const runs = {
    recorded: [] as BulkRun[],
    unrecorded: [] as BulkRun[],
    passThrough: [] as BulkRun[],
    script: [] as BulkRun[],
  };
  let spoolCpuSeconds = 0;
  for (let run = 0; run < RUNS; run++) {
    runs.unrecorded.push(await bulk(target, knownHosts, unrecorded));
    const spoolBefore = await processCpuSeconds(spoolProcess.pid!);
    runs.recorded.push(await bulk(target, knownHosts, recorded));
    spoolCpuSeconds += (await processCpuSeconds(spoolProcess.pid!)) - spoolBefore;
    runs.script.push(await bulk(target, knownHosts, scriptHop));
  }
  // The same recorder with no recording settings: the PTY pass-through alone, nothing sealed or spooled.
  const settingsFile = path.join(target.stateDir, 'recording.json');
  await rename(settingsFile, settingsFile + '.off');
  for (let run = 0; run < RUNS; run++) runs.passThrough.push(await bulk(target, knownHosts, recorded));
  await rename(settingsFile + '.off', settingsFile);

  const best = (list: BulkRun[]) => Math.max(...list.map((r) => r.speed));
  const mb = BYTES / 1e6;
  /** CPU ms per MB of output, the session's start-up and end (an idle session's CPU) taken off. */
  const cpuPerMb = (list: BulkRun[], startup: number) =>
    (1000 * (median(list.map((r) => r.cpuSeconds)) - startup)) / mb;
  const ratio = (list: BulkRun[]) => ((100 * best(list)) / best(runs.unrecorded)).toFixed(1);
  console.log(
    `bulk output through ssh -tt, ${values.mb} MiB, best of ${RUNS}: ` +
      `unrecorded ${best(runs.unrecorded).toFixed(1)} MB/s, recorded ${best(runs.recorded).toFixed(1)} MB/s ` +
      `(${ratio(runs.recorded)} %; target ≥ 90 %)`,
  );
  console.log(
    `  the recorder's PTY pass-through alone (no log): ${best(runs.passThrough).toFixed(1)} MB/s ` +
      `(${ratio(runs.passThrough)} %)`,
  );
  console.log(
    `  a second PTY hop alone, in C (util-linux script, nothing recorded): ${best(runs.script).toFixed(1)} MB/s ` +
      `(${ratio(runs.script)} %) — the floor of any recorder with a PTY of its own; ` +
      `CPU ms per MB ${cpuPerMb(runs.script, idle.script).toFixed(2)} ` +
      `(${(cpuPerMb(runs.script, idle.script) - cpuPerMb(runs.unrecorded, idle.unrecorded)).toFixed(2)} over unrecorded)`,
  );
  console.log(
    `  all runs: unrecorded ${runs.unrecorded.map((r) => r.speed.toFixed(1)).join(', ')}; ` +
      `recorded ${runs.recorded.map((r) => r.speed.toFixed(1)).join(', ')}; ` +
      `script ${runs.script.map((r) => r.speed.toFixed(1)).join(', ')}; ` +
      `pass-through ${runs.passThrough.map((r) => r.speed.toFixed(1)).join(', ')}`,
  );
  const medianSpeed = (list: BulkRun[]) => median(list.map((r) => r.speed));
  const medianRatio = (list: BulkRun[]) =>
    ((100 * medianSpeed(list)) / medianSpeed(runs.unrecorded)).toFixed(1);
  console.log(
    `  medians of ${RUNS}: unrecorded ${medianSpeed(runs.unrecorded).toFixed(1)} MB/s, ` +
      `recorded ${medianRatio(runs.recorded)} %, script ${medianRatio(runs.script)} %, ` +
      `pass-through ${medianRatio(runs.passThrough)} %`,
  );
  console.log(
    `  an idle session's CPU (start-up and end): unrecorded ${(1000 * idle.unrecorded).toFixed(0)} ms, ` +
      `recorded ${(1000 * idle.recorded).toFixed(0)} ms, script ${(1000 * idle.script).toFixed(0)} ms`,
  );
  console.log(
    `  CPU ms per MB (median, start-up taken off), session side: unrecorded ${cpuPerMb(runs.unrecorded, idle.unrecorded).toFixed(2)}, ` +
      `recorded ${cpuPerMb(runs.recorded, idle.recorded).toFixed(2)}, pass-through ${cpuPerMb(runs.passThrough, idle.recorded).toFixed(2)}; ` +
      `the recorder's share ${(cpuPerMb(runs.recorded, idle.recorded) - cpuPerMb(runs.unrecorded, idle.unrecorded)).toFixed(2)}; ` +
      `the spool ${((1000 * spoolCpuSeconds) / RUNS / mb).toFixed(2)}`,
  );

  const plainEcho = await echoes(target, knownHosts, unrecorded);
  const recordedEcho = await echoes(target, knownHosts, recorded);
  for (const p of [50, 90, 99]) {
    const a = percentile(plainEcho, p);
    const b = percentile(recordedEcho, p);
    console.log(
      `keystroke echo p${p}: unrecorded ${a.toFixed(3)} ms, recorded ${b.toFixed(3)} ms, added ${(b - a).toFixed(3)} ms` +
        (p === 99 ? ' (target < 2 ms)' : ''),
    );
  }
  const store = new SpoolStore(target.spoolDir);
  const states = await store.list();
  let verified = 0;
  for (const state of states) {
    const log = readSessionLog(await store.readLog(state.log_id), target.auditorPrivateKey);
    if (log.integrity.status === 'verified') verified++;
  }
  console.log(`logs in the spool: ${states.length}, verified: ${verified}`);
} finally {
  spoolProcess.kill('SIGTERM');
  target.spool = null;
  await target.stop();
  await runCleanups();
}
