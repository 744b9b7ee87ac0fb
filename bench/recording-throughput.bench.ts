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
 *   node --conditions=latchkey-source --import tsx bench/recording-throughput.bench.ts [--mb 64] [--runs 3] [--keys 400]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rename } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readSessionLog } from '@latchkey/shared';
import { SpoolStore } from '../agent/src/spool/spool-store.js';
import { runCleanups, runCommandOrThrow, signWithSshKeygen } from '../test/harness/index.js';
import {
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

/** MB/s of a bulk transfer through `ssh -tt`, first byte to last. */
async function bulk(target: RecordingTarget, knownHosts: string, certificateFile: string): Promise<number> {
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
  return received / 1e6 / (Number(last - first) / 1e9);
}

/** Echo round trips, in ms, of single keystrokes through `ssh -tt host cat`. */
async function echoes(
  target: RecordingTarget,
  knownHosts: string,
  certificateFile: string,
): Promise<number[]> {
  const child = sshFor(target, knownHosts, certificateFile, 'cat');
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

const target = await startRecordingTarget();
await target.spool!.close();
const spoolProcess = await startSpoolProcess(target.socketPath, target.spoolDir);
try {
  const knownHosts = await writeKnownHosts(target);
  const caPrivateKeyPath = target.client.file('ca');
  const plain = target.client.file('plain');
  await runCommandOrThrow('cp', [target.identityFile + '.pub', plain + '.pub']);
  const { certificatePath: unrecordedCert } = await signWithSshKeygen({
    caPrivateKeyPath,
    publicKeyPath: plain + '.pub',
    keyId: 'bench unrecorded',
    principals: [target.user.name],
    validity: '-1m:+1h',
  });
  const recordedCert = target.certificateFile;

  const speeds = { recorded: [] as number[], unrecorded: [] as number[] };
  for (let run = 0; run < RUNS; run++) {
    speeds.unrecorded.push(await bulk(target, knownHosts, unrecordedCert));
    speeds.recorded.push(await bulk(target, knownHosts, recordedCert));
  }
  const best = (list: number[]) => Math.max(...list);
  // The same recorder with no recording settings: the PTY pass-through alone, nothing sealed or spooled.
  const settingsFile = path.join(target.stateDir, 'recording.json');
  await rename(settingsFile, settingsFile + '.off');
  const passThrough: number[] = [];
  for (let run = 0; run < RUNS; run++) passThrough.push(await bulk(target, knownHosts, recordedCert));
  await rename(settingsFile + '.off', settingsFile);
  console.log(
    `bulk output through ssh -tt, ${values.mb} MiB, best of ${RUNS}: ` +
      `unrecorded ${best(speeds.unrecorded).toFixed(1)} MB/s, recorded ${best(speeds.recorded).toFixed(1)} MB/s ` +
      `(${((100 * best(speeds.recorded)) / best(speeds.unrecorded)).toFixed(1)} %; target ≥ 90 %)`,
  );
  console.log(
    `  the recorder's PTY pass-through alone (no log): ${best(passThrough).toFixed(1)} MB/s ` +
      `(${((100 * best(passThrough)) / best(speeds.unrecorded)).toFixed(1)} %)`,
  );
  console.log(
    `  all runs: unrecorded ${speeds.unrecorded.map((s) => s.toFixed(1)).join(', ')}; ` +
      `recorded ${speeds.recorded.map((s) => s.toFixed(1)).join(', ')}`,
  );

  const plainEcho = await echoes(target, knownHosts, unrecordedCert);
  const recordedEcho = await echoes(target, knownHosts, recordedCert);
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
