/**
 * Session-log decryption throughput (target: at least 100 MB/s).
 * Seals a PTY session of SIZE_MB megabytes of terminal output (default 200) in the recorder's default
 * 32 KiB chunks, then times readSessionLog (decrypt, split packets, verify integrity) over it.
 *
 *   node --conditions=latchkey-source --import tsx bench/session-log-decrypt.bench.ts [SIZE_MB]
 */
import { randomBytes } from 'node:crypto';
import { ORIGIN, readSessionLog } from '@latchkey/shared';
import { benchSessionWriter } from './support/sealed-session.js';

const sizeMb = Number(process.argv[2] ?? 200);
const { keys, writer } = benchSessionWriter();

const output = randomBytes(4096);
const sealed: Uint8Array[] = [];
const writes = Math.ceil((sizeMb * 1e6) / output.length);
const sealStart = process.hrtime.bigint();
for (let index = 0; index < writes; index++) {
  writer.data(ORIGIN, index * 10, output);
  if (index % 64 === 0) sealed.push(writer.takeSealed());
}
const finished = writer.finish({ exitData: null, elapsedMicros: writes * 10 });
const sealSeconds = Number(process.hrtime.bigint() - sealStart) / 1e9;
const file = Buffer.concat([finished.header, ...sealed, finished.sealed]);

const openStart = process.hrtime.bigint();
const log = readSessionLog(file, keys.privateKey);
const openSeconds = Number(process.hrtime.bigint() - openStart) / 1e9;
if (log.integrity.status !== 'verified') throw new Error(`integrity: ${log.integrity.problems.join('; ')}`);

const megabytes = finished.metadata.data_size / 1e6;
console.log(
  `session log of ${megabytes.toFixed(0)} MB plaintext (${(file.length / 1e6).toFixed(0)} MB on disk)`,
);
console.log(`  seal:    ${(megabytes / sealSeconds).toFixed(0)} MB/s`);
console.log(`  decrypt: ${(megabytes / openSeconds).toFixed(0)} MB/s (decrypt + packets + integrity check)`);
