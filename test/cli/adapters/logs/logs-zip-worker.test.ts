import assert from 'node:assert/strict';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { unzipSync } from 'fflate';
import {
  CLIENT,
  ORIGIN,
  decryptedLogEntries,
  encodeAuditorKey,
  generateHpkeKeyPair,
  readSessionLog,
  SessionLogWriter,
  type LogPacket,
  type OutputEntry,
  type SessionLogContents,
} from '@latchkey/shared';
import { workerJobPieces } from '../../../../cli/src/adapters/zip/worker-job-pieces.js';
import { writeZipFile } from '../../../../cli/src/adapters/zip/zip-file-writer.js';
import { runCommand } from '../../../harness/run-command.js';
import { createTempDir, type TempDir } from '../../../harness/temp-dir.js';

const NOW = new Date('2026-11-24T22:00:00Z');

/**
 * A PTY log of about `megabytes` of terminal output in 4 KiB-ish packets, with what the escaper must get
 * right: control characters, quotes, backslashes, UTF-8 split across packets, bytes that are not UTF-8,
 * client input between the output, and resizes.
 */
function terminalLog(megabytes: number): SessionLogContents {
  const pieces = [
    'plain ascii text, ',
    '\x1b[01;34mcoloured\x1b[0m ',
    'quote " and backslash \\ ',
    'résumé ✓ 😀 ',
    '\r\n',
    '\t\b\f\x00\x7f',
  ];
  let seed = 7;
  const random = (below: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed % below;
  };
  const packets: LogPacket[] = [];
  let bytes = 0;
  for (let index = 0; bytes < megabytes * 1e6; index++) {
    const parts: Buffer[] = [];
    const target = 1 + random(8192);
    for (let length = 0; length < target;) {
      const part = random(50) === 0 ? Buffer.from([0xff, 0xc3]) : Buffer.from(pieces[random(pieces.length)]!);
      parts.push(part);
      length += part.length;
    }
    const whole = Buffer.concat(parts);
    // Cut anywhere, often inside a character.
    const data = whole.subarray(0, Math.max(1, whole.length - random(3)));
    packets.push({ source: ORIGIN, code: 0, elapsedMicros: index * 1_000, data });
    bytes += data.length;
    if (index % 97 === 0) {
      packets.push({ source: CLIENT, code: 0, elapsedMicros: index * 1_000, data: Buffer.from('ls\r') });
    }
  }
  const resizes = [0, 5_000, 5_000, 99_000, 1e12].map((elapsedMicros, index) => ({
    kind: 'resize' as const,
    elapsedMicros,
    body: { width: 80 + index, height: 24 + index },
  }));
  return {
    metadata: {
      started_at: 1_795_557_502,
      data_size: bytes,
      encapsulated_key: '0'.repeat(64),
      pty: { term: 'xterm', width: 80, height: 24, modes: [] },
      exit_data: null,
    },
    packets,
    records: resizes,
    integrity: { status: 'verified', problems: [] },
  } as SessionLogContents;
}

describe('cli/adapters/zip: session.cast rendered on a worker thread', () => {
  let dir: TempDir;
  beforeEach(async () => {
    dir = await createTempDir('logs-zip-worker');
  });
  afterEach(() => dir.remove());

  it('writes the same zip, byte for byte, as rendering everything on this thread', async function () {
    this.timeout(60_000);
    // 13 MB: several batches, so batch buffers go back and forth and are reused.
    const log = terminalLog(13);
    const entries = decryptedLogEntries(log);
    assert.ok(entries.some((entry) => entry.workerJob !== undefined));
    await writeZipFile(dir.file('single.zip'), decryptedLogEntries(log), NOW, { workers: false });
    await writeZipFile(dir.file('parallel.zip'), entries, NOW);
    const single = await readFile(dir.file('single.zip'));
    const parallel = await readFile(dir.file('parallel.zip'));
    assert.ok(single.length > 26e6, `${single.length}`);
    assert.ok(parallel.equals(single), 'the two zips differ');
    // And session.cast there is asciicastPieces' own output (the reference renderer is tested elsewhere).
    const cast = entries.find((entry) => entry.name === 'session.cast')!;
    assert.ok(Buffer.from(unzipSync(parallel)['session.cast']!).equals(Buffer.concat([...cast.pieces()])));
  });

  it('waits while the reader is behind (at most `limit` bytes ahead) and gives every piece in order', async () => {
    const log = terminalLog(3);
    const cast = decryptedLogEntries(log).find((entry) => entry.name === 'session.cast')!;
    const got: Uint8Array[] = [];
    for await (const piece of workerJobPieces(cast.workerJob!(), 1)) {
      got.push(piece);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    assert.ok(got.length > 2);
    assert.ok(Buffer.concat(got).equals(Buffer.concat([...cast.pieces()])));
  });

  it('a job that fails fails the zip, and leaves nothing behind', async () => {
    const failing: OutputEntry = {
      name: 'session.cast',
      pieces: () => [],
      workerJob: () => ({
        source: `(input, emit, packets) => { for (const packet of packets) emit(Buffer.from(packet.data)); throw new Error('render failed: ' + input); }`,
        input: 'on purpose',
        packets: [{ data: Buffer.from('x'), elapsedMicros: 0 }],
      }),
    };
    const path = dir.file('out.zip');
    await assert.rejects(
      writeZipFile(path, [{ name: 'a.txt', pieces: () => [Buffer.from('a')] }, failing], NOW),
      /render failed: on purpose/,
    );
    assert.deepEqual(await readdir(dir.path), []);
  });

  it('works from the built CLI bundle: latchkey logs decrypt writes the same files', async function () {
    this.timeout(180_000);
    const built = await runCommand(
      process.execPath,
      [new URL('../../../../scripts/build.mjs', import.meta.url).pathname, '--cli-out', dir.file('dist')],
      { cwd: new URL('../../../..', import.meta.url).pathname, timeoutMs: 120_000 },
    );
    assert.equal(built.code, 0, built.stderr);
    // A real sealed log of ~5 MB, so that the worker has several batches.
    const keys = generateHpkeKeyPair();
    const writer = new SessionLogWriter({
      auditorPublicKey: keys.publicKey,
      identity: {
        session_id: 's',
        target_id: 't',
        user_email: 'a@example.com',
        principal: 'a',
        program_type: 'shell',
      },
      pty: { term: 'xterm', width: 80, height: 24, modes: [] },
      startedAt: NOW,
    });
    const source = terminalLog(5);
    const sealed: Uint8Array[] = [];
    for (const packet of source.packets) {
      writer.data(packet.source, packet.elapsedMicros, packet.data);
      sealed.push(writer.takeSealed());
    }
    const finished = writer.finish({ exitData: null, elapsedMicros: 1e9 });
    await writeFile(
      dir.file('s.sshlog'),
      Buffer.concat([finished.header, ...sealed, writer.takeSealed(), finished.sealed]),
    );
    await writeFile(dir.file('key'), encodeAuditorKey(keys.privateKey));
    const run = await runCommand(
      process.execPath,
      [
        dir.file('dist/main.js'),
        'logs',
        'decrypt',
        '-i',
        dir.file('s.sshlog'),
        '-k',
        dir.file('key'),
        '-o',
        dir.file('cli.zip'),
      ],
      { timeoutMs: 60_000, env: { ...process.env, XDG_CACHE_HOME: dir.file('cache') } },
    );
    assert.equal(run.code, 0, run.stderr);
    const log = readSessionLog(await readFile(dir.file('s.sshlog')), keys.privateKey);
    await writeZipFile(dir.file('single.zip'), decryptedLogEntries(log), NOW, { workers: false });
    const expected = unzipSync(await readFile(dir.file('single.zip')));
    const got = unzipSync(await readFile(dir.file('cli.zip')));
    assert.deepEqual(Object.keys(got), Object.keys(expected));
    for (const name of Object.keys(expected)) {
      assert.ok(Buffer.from(got[name]!).equals(Buffer.from(expected[name]!)), `${name} differs`);
    }
    assert.ok(got['session.cast']!.length > 5e6);
  });
});
