import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { unzipSync } from 'fflate';
import type { OutputEntry } from '@latchkey/shared';
import { writeZipFile } from '../../../../cli/src/adapters/zip/zip-file-writer.js';
import { createTempDir, type TempDir } from '../../../harness/temp-dir.js';
import { runCommand } from '../../../harness/run-command.js';

describe('cli/adapters/zip: writeZipFile', () => {
  let dir: TempDir;
  beforeEach(async () => {
    dir = await createTempDir('logs-zip');
  });
  afterEach(() => dir.remove());

  it('writes stored entries from many pieces, 0600, with no temp file left, and the disk writes are queued in order, readable by fflate and unzip', async () => {
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
    const test = await runCommand('unzip', ['-t', path]);
    assert.equal(test.code, 0, test.stdout + test.stderr);
    assert.match(test.stdout, /No errors detected/);
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
