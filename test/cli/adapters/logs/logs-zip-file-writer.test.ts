// A 48 MiB entry (the writer hands its buffers back) is tested in test/integration/cli/adapters/logs/.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { unzipSync } from 'fflate';
import type { OutputEntry } from '@latchkey/shared';
import { writeZipFile } from '../../../../cli/src/adapters/zip/zip-file-writer.js';
import { createTempDir, type TempDir } from '../../../harness/temp-dir.js';

describe('cli/adapters/zip: writeZipFile', () => {
  let dir: TempDir;
  beforeEach(async () => {
    dir = await createTempDir('logs-zip');
  });
  afterEach(() => dir.remove());

  it('writes stored entries from many pieces, 0600, with no temp file left, and the disk writes are queued in order, readable by fflate, CRC-32s and sizes right', async () => {
    const big = randomBytes(3 << 20);
    const small = Array.from({ length: 5000 }, (_, index) => Buffer.from(`piece ${index}\n`));
    const entries: OutputEntry[] = [
      { name: 'term_data.txt', pieces: () => [Buffer.from('head\n'), ...small, big, Buffer.from('tail\n')] },
      { name: 'empty.txt', pieces: () => [] },
      { name: 'verify.txt', pieces: () => [Buffer.from('verdict: verified\n')] },
    ];
    const path = dir.file('out.zip');
    await writeZipFile(path, entries);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.deepEqual(await readdir(dir.path), ['out.zip']);

    const files = unzipSync(await readFile(path));
    assert.deepEqual(Object.keys(files), ['term_data.txt', 'empty.txt', 'verify.txt']);
    assert.ok(
      Buffer.from(files['term_data.txt']!).equals(
        Buffer.concat([Buffer.from('head\n'), ...small, big, Buffer.from('tail\n')]),
      ),
    );
    assert.equal(files['empty.txt']!.length, 0);
    // The central directory's CRC-32s and sizes, read by hand, match the contents.
    const directory = centralDirectory(await readFile(path));
    assert.deepEqual(
      directory.map((entry) => [entry.name, entry.size, entry.crc]),
      Object.entries(files).map(([name, data]) => [name, data.length, crc32(data)]),
    );
  });

  it('leaves nothing behind when an entry fails, and keeps an existing file', async () => {
    const path = dir.file('out.zip');
    await writeZipFile(path, [{ name: 'a.txt', pieces: () => [Buffer.from('old')] }]);
    const failing: OutputEntry = {
      name: 'b.txt',
      pieces: function* () {
        yield Buffer.from('x');
        throw new Error('boom');
      },
    };
    await assert.rejects(writeZipFile(path, [failing]), /boom/);
    assert.deepEqual(await readdir(dir.path), ['out.zip']);
    assert.equal(Buffer.from(unzipSync(await readFile(path))['a.txt']!).toString(), 'old');
  });
});

/** The entries of a zip's central directory (no zip64): name, uncompressed size, CRC-32. */
function centralDirectory(zip: Buffer): { name: string; size: number; crc: number }[] {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  const entries = [];
  for (let index = 0; index < count; index++) {
    assert.equal(zip.readUInt32LE(offset), 0x02014b50);
    const nameLength = zip.readUInt16LE(offset + 28);
    entries.push({
      crc: zip.readUInt32LE(offset + 16),
      size: zip.readUInt32LE(offset + 24),
      name: zip.toString('utf8', offset + 46, offset + 46 + nameLength),
    });
    offset += 46 + nameLength + zip.readUInt16LE(offset + 30) + zip.readUInt16LE(offset + 32);
  }
  return entries;
}
