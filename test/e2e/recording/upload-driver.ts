/**
 * The agent's upload path in a process of its own, so that its memory can be measured alone: the real
 * SpoolStore, SpooledLogUploader and AgentServerClient, wired as the daemon wires them (agent/src/main.ts),
 * one upload pass over a spool. Used by big-log-upload.test.ts.
 *
 *   node --conditions=latchkey-source --import tsx upload-driver.ts write '{"spoolDir", "auditorPublicKey" (base64), "identity", "unixUser", "plaintextBytes"}'
 *   node --conditions=latchkey-source --import tsx upload-driver.ts upload '{"spoolDir", "server", "token"}'
 *
 * Prints one JSON line: `write` → the BigSpooledLog; `upload` → the pass's outcome, the journal lines,
 * `baselineRssKiB` (VmRSS before the pass) and `peakRssKiB` (VmHWM over the pass: the high-water mark is
 * reset just before it through /proc/self/clear_refs).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { AgentServerClient } from '../../../agent/src/adapters/http/agent-server-client.js';
import { SpooledLogUploader } from '../../../agent/src/app/recording/upload-spooled-logs.js';
import { SpoolStore } from '../../../agent/src/spool/spool-store.js';
import { writeBigSpooledLog } from './big-spooled-log.js';

async function memoryKiB(field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const status = await readFile('/proc/self/status', 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  if (match === null) throw new Error(`no ${field} in /proc/self/status`);
  return Number(match[1]);
}

async function main(): Promise<void> {
  const [command, json] = process.argv.slice(2);
  const options = JSON.parse(json ?? '{}');
  if (command === 'write') {
    const log = await writeBigSpooledLog(options.spoolDir, {
      auditorPublicKey: Buffer.from(options.auditorPublicKey, 'base64'),
      identity: options.identity,
      unixUser: options.unixUser,
      plaintextBytes: options.plaintextBytes,
    });
    process.stdout.write(`${JSON.stringify(log)}\n`);
    return;
  }
  if (command !== 'upload') throw new Error(`unknown command ${command}`);
  const lines: string[] = [];
  const spool = new SpoolStore(options.spoolDir);
  await spool.init();
  const uploader = new SpooledLogUploader({
    spool,
    server: new AgentServerClient(options.server, () => options.token),
    now: () => new Date(),
    random: Math.random,
    sleep: async () => undefined,
    log: (line) => lines.push(line),
  });
  global.gc?.();
  const baselineRssKiB = await memoryKiB('VmRSS');
  await writeFile('/proc/self/clear_refs', '5'); // resets VmHWM to the current RSS
  const outcome = await uploader.uploadDue();
  const peakRssKiB = await memoryKiB('VmHWM');
  process.stdout.write(`${JSON.stringify({ outcome, lines, baselineRssKiB, peakRssKiB })}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
