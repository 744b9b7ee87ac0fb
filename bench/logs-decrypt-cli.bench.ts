/**
 * `latchkey logs decrypt` end to end (target: at least 100 MB/s of session output): seals a PTY session of
 * SIZE_MB megabytes (default 200) of realistic terminal output (coloured `ls -l`-style lines, some UTF-8)
 * in the recorder's 32 KiB chunks, bundles the CLI as scripts/build.mjs does, then times the real
 * executable decrypting the file into its zip (ssh-log-cli's files, session.cast, commands.json,
 * verify.txt). Also times the stages in this process: readSessionLog, and writing the zip.
 *
 *   node --conditions=latchkey-source --import tsx bench/logs-decrypt-cli.bench.ts [SIZE_MB]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import {
  ORIGIN,
  SessionLogWriter,
  decryptedLogEntries,
  encodeAuditorKey,
  generateHpkeKeyPair,
  readSessionLog,
} from '@latchkey/shared';
import { writeZipFile } from '../cli/src/adapters/zip/zip-file-writer.js';

const sizeMb = Number(process.argv[2] ?? 200);
const dir = mkdtempSync(join(tmpdir(), 'latchkey-bench-decrypt-'));
try {
  const keys = generateHpkeKeyPair();
  const writer = new SessionLogWriter({
    auditorPublicKey: keys.publicKey,
    identity: {
      session_id: 'bench',
      target_id: 'bench',
      user_email: 'bench@example.com',
      principal: 'bench',
      program_type: 'shell',
    },
    pty: { term: 'xterm-256color', width: 120, height: 40, modes: [] },
    startedAt: new Date(),
  });
  // About 4 KiB per write, like a busy terminal: coloured listing lines with a little UTF-8.
  const lines: string[] = [];
  for (let index = 0; index < 40; index++) {
    lines.push(
      `-rw-r--r-- 1 bench staff ${String(1000 + index * 37).padStart(8)} Nov 24 22:${String(index % 60).padStart(2, '0')} ` +
        `\x1b[01;34mrésumé-${index}\x1b[0m \x1b[32mfile_${index}.txt\x1b[0m ✓\r\n`,
    );
  }
  const output = Buffer.from(lines.join(''));
  const parts: Uint8Array[] = [];
  const writes = Math.ceil((sizeMb * 1e6) / output.length);
  for (let index = 0; index < writes; index++) {
    writer.data(ORIGIN, index * 200, output);
    if (index % 5000 === 0) {
      writer.record({ kind: 'command', elapsedMicros: index * 200, body: { command: `ls ${index}` } });
    }
    if (index % 64 === 0) parts.push(writer.takeSealed());
  }
  const finished = writer.finish({ exitData: null, elapsedMicros: writes * 200 });
  const file = Buffer.concat([finished.header, ...parts, writer.takeSealed(), finished.sealed]);
  parts.length = 0;
  const logPath = join(dir, 'session.sshlog');
  const keyPath = join(dir, 'sshkey');
  writeFileSync(logPath, file);
  writeFileSync(keyPath, encodeAuditorKey(keys.privateKey));
  const megabytes = finished.metadata.data_size / 1e6;
  console.log(
    `session log of ${megabytes.toFixed(0)} MB plaintext (${(file.length / 1e6).toFixed(0)} MB on disk)`,
  );

  // Stages, in this process.
  let start = process.hrtime.bigint();
  const log = readSessionLog(file, keys.privateKey);
  const readSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  start = process.hrtime.bigint();
  await writeZipFile(join(dir, 'in-process.zip'), decryptedLogEntries(log));
  const zipSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(`  readSessionLog:      ${(megabytes / readSeconds).toFixed(0)} MB/s`);
  console.log(`  render + write zip:  ${(megabytes / zipSeconds).toFixed(0)} MB/s`);

  // The real executable, bundled like the shipped CLI.
  const bundle = join(dir, 'latchkey.js');
  await build({
    entryPoints: [new URL('../cli/src/main.ts', import.meta.url).pathname],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    conditions: ['latchkey-source'],
    minify: true,
    banner: {
      js: "import { createRequire as __lkCreateRequire } from 'node:module'; const require = __lkCreateRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
  const runs: number[] = [];
  for (let run = 0; run < 3; run++) {
    start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, [bundle, 'logs', 'decrypt', '-i', logPath, '-k', keyPath], {
      encoding: 'utf8',
    });
    runs.push(Number(process.hrtime.bigint() - start) / 1e9);
    if (result.status !== 0) throw new Error(`latchkey logs decrypt failed: ${result.stderr}`);
  }
  const best = Math.min(...runs);
  const zipSize = statSync(`${logPath}-decrypted.zip`).size;
  console.log(
    `  latchkey logs decrypt (process, best of 3): ${(megabytes / best).toFixed(0)} MB/s ` +
      `(${best.toFixed(2)} s; zip ${(zipSize / 1e6).toFixed(0)} MB)`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
