/**
 * `latchkey logs decrypt` end to end (target: at least 100 MB/s of session output): seals a PTY session of
 * SIZE_MB megabytes (default 200) of realistic terminal output (coloured `ls -l`-style lines, some UTF-8)
 * in the recorder's 32 KiB chunks, builds the CLI with scripts/build.mjs, then times the real executable
 * decrypting the file into its zip (ssh-log-cli's files, session.cast, commands.json, verify.txt). Also
 * times, in this process, readSessionLog, writing the zip, and the decrypt use-case.
 * The files go to TMPDIR (default /tmp): TMPDIR=/dev/shm leaves the disk out.
 *
 *   node --conditions=latchkey-source --import tsx bench/logs-decrypt-cli.bench.ts [SIZE_MB]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ORIGIN, decryptedLogEntries, encodeAuditorKey, readSessionLog } from '@latchkey/shared';
import { localLogFiles } from '../cli/src/adapters/fs/log-files.js';
import { writeZipFile } from '../cli/src/adapters/zip/zip-file-writer.js';
import { decryptLog } from '../cli/src/app/logs/decrypt-log.js';
import { benchSessionWriter } from './support/sealed-session.js';

const sizeMb = Number(process.argv[2] ?? 200);
const dir = mkdtempSync(join(tmpdir(), 'latchkey-bench-decrypt-'));
try {
  const { keys, writer } = benchSessionWriter();
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

  // In this process: the stages, then the whole command's use-case with its real adapters. CPU seconds
  // (user + system) are shown too: on a shared 2-core machine they say more than the wall clock.
  const timed = async (what: string, action: () => unknown) => {
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    await action();
    const wall = Number(process.hrtime.bigint() - start) / 1e9;
    const used = process.cpuUsage(cpu);
    const cpuSeconds = (used.user + used.system) / 1e6;
    console.log(
      `  ${what.padEnd(34)} ${(megabytes / wall).toFixed(0).padStart(5)} MB/s wall, ` +
        `${(megabytes / cpuSeconds).toFixed(0).padStart(5)} MB/s of CPU time`,
    );
  };
  let log: ReturnType<typeof readSessionLog> | undefined;
  await timed('readSessionLog', () => (log = readSessionLog(file, keys.privateKey)));
  await timed('render + write the zip', () =>
    writeZipFile(join(dir, 'stages.zip'), decryptedLogEntries(log!)),
  );
  log = undefined;
  await timed('decryptLog (read, decrypt, zip)', () =>
    decryptLog(localLogFiles, { input: logPath, keyFile: keyPath, output: join(dir, 'use-case.zip') }),
  );

  // The real executable, built as it ships (scripts/build.mjs: cli/dist/main.js and its bundle).
  const built = spawnSync(
    process.execPath,
    [new URL('../scripts/build.mjs', import.meta.url).pathname, '--cli-out', join(dir, 'dist')],
    { cwd: new URL('..', import.meta.url).pathname, encoding: 'utf8' },
  );
  if (built.status !== 0) throw new Error(`build failed: ${built.stderr}`);
  const bundle = join(dir, 'dist', 'main.js');
  // /usr/bin/time reports the child's wall and CPU seconds (GNU time: -f).
  const runs: { wall: number; cpu: number }[] = [];
  for (let run = 0; run < 3; run++) {
    const result = spawnSync(
      '/usr/bin/time',
      ['-f', 'TIME %e %U %S', process.execPath, bundle, 'logs', 'decrypt', '-i', logPath, '-k', keyPath],
      { encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: join(dir, 'cache') } },
    );
    if (result.status !== 0) throw new Error(`latchkey logs decrypt failed: ${result.stderr}`);
    const [wall, user, system] = /TIME (\S+) (\S+) (\S+)/.exec(result.stderr)!.slice(1).map(Number);
    runs.push({ wall: wall!, cpu: user! + system! });
  }
  const best = runs.reduce((a, b) => (b.wall < a.wall ? b : a));
  const zipSize = statSync(`${logPath}-decrypted.zip`).size;
  console.log(
    `  latchkey logs decrypt (best of 3)  ${(megabytes / best.wall).toFixed(0).padStart(5)} MB/s wall, ` +
      `${(megabytes / best.cpu).toFixed(0).padStart(5)} MB/s of CPU time ` +
      `(${best.wall.toFixed(2)} s; zip ${(zipSize / 1e6).toFixed(0)} MB)`,
  );
  console.log(
    `  every run: ${runs.map((run) => `${(megabytes / run.wall).toFixed(0)}/${(megabytes / run.cpu).toFixed(0)}`).join(', ')} MB/s wall/CPU`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
