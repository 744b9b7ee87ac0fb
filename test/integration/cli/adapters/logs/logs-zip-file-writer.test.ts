// writeZipFile with a big entry: 48 MiB through a real file, then read back and unzipped. Here rather than in
// the unit tier (test/cli/adapters/logs/logs-zip-file-writer.test.ts) because it takes more than a second
// of disk and CRC work (issue 17 keeps the unit tier under 20 s).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { unzipSync } from 'fflate';
import type { OutputEntry } from '@latchkey/shared';
import { writeZipFile } from '../../../../../cli/src/adapters/zip/zip-file-writer.js';
import { createTempDir, type TempDir } from '../../../../harness/temp-dir.js';

describe('cli/adapters/zip: writeZipFile', () => {
  let dir: TempDir;
  beforeEach(async () => {
    dir = await createTempDir('logs-zip');
  });
  afterEach(() => dir.remove());

  it('gives an entry its written buffers back for later pieces, never one still waiting for the disk', async () => {
    const buffers = new Set<ArrayBufferLike>();
    const expected: Buffer[] = [];
    const entry: OutputEntry = {
      name: 'session.cast',
      pieces: function* (allocate) {
        // 48 MiB in 1 MiB pieces: more than the writer lets rendering run ahead of the disk.
        for (let index = 0; index < 48; index++) {
          const buffer = allocate!(1 << 20);
          buffers.add(buffer.buffer);
          buffer.fill(index);
          const piece = buffer.subarray(0, (1 << 20) - index);
          expected.push(Buffer.from(piece));
          yield piece;
        }
      },
    };
    const path = dir.file('out.zip');
    await writeZipFile(path, [entry]);
    assert.ok(buffers.size < 48, `${buffers.size} buffers for 48 pieces: none was reused`);
    assert.ok(Buffer.from(unzipSync(await readFile(path))['session.cast']!).equals(Buffer.concat(expected)));
  });
});
