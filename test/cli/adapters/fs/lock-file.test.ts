import assert from 'node:assert/strict';
import { readdir, utimes, writeFile } from 'node:fs/promises';
import { isLatchkeyError } from '@latchkey/shared';
import { withLockFile } from '../../../../cli/src/adapters/fs/lock-file.js';
import { createTempDir, type TempDir } from '../../../harness/temp-dir.js';

describe('withLockFile', () => {
  let dir: TempDir;
  beforeEach(async () => (dir = await createTempDir('cli-lock')));
  afterEach(async () => dir.remove());

  it('runs one holder at a time and removes the lock afterwards, also after a failure', async () => {
    const lock = dir.file('x.lock');
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 8 }, () =>
        withLockFile(lock, async () => {
          inside++;
          most = Math.max(most, inside);
          await new Promise((resolve) => setTimeout(resolve, 5));
          inside--;
        }),
      ),
    );
    assert.equal(most, 1);
    await assert.rejects(
      withLockFile(lock, async () => Promise.reject(new Error('boom'))),
      /boom/,
    );
    assert.deepEqual(await readdir(dir.path), []);
  });

  it('breaks a lock whose owner is gone, or that is too old', async () => {
    const lock = dir.file('x.lock');
    await writeFile(lock, '2147483646\n'); // no such process
    assert.equal(await withLockFile(lock, async () => 'ran', { timeoutMs: 2000 }), 'ran');
    await writeFile(lock, `${process.pid}\n`);
    const old = new Date(Date.now() - 120_000);
    await utimes(lock, old, old);
    assert.equal(await withLockFile(lock, async () => 'ran', { timeoutMs: 2000 }), 'ran');
  });

  it('gives up with a message naming the lock when a live owner keeps it', async () => {
    const lock = dir.file('x.lock');
    await writeFile(lock, `${process.pid}\n`);
    await assert.rejects(
      withLockFile(lock, async () => 'ran', { timeoutMs: 200 }),
      (e) =>
        isLatchkeyError(e, 'unavailable') && e.message.includes(lock) && /delete that file/.test(e.message),
    );
  });
});
