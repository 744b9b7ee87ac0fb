import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { removeRecorderLeftovers } from '../../../../agent/src/adapters/fs/recorder-leftovers.js';

describe('agent/adapters: removing the force-command recorder’s leftovers', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'leftovers-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  /** A unix socket file left behind, as by an agent killed while its spool listened (SIGKILL: no unlink). */
  function leftSocket(socketPath: string): void {
    const code = `require('node:net').createServer().listen(${JSON.stringify(socketPath)}, () => process.kill(process.pid, 'SIGKILL'))`;
    const result = spawnSync(process.execPath, ['-e', code], { timeout: 10_000 });
    assert.equal(result.signal, 'SIGKILL', String(result.stderr));
  }

  it('removes the socket and the uid-proof directory, then the emptied runtime directory', async () => {
    const runtime = path.join(dir, 'latchkey-agent');
    await mkdir(path.join(runtime, 'peers'), { recursive: true });
    await writeFile(path.join(runtime, 'peers', '0123456789abcdef0123456789abcdef'), '');
    const socketPath = path.join(runtime, 'record.sock');
    leftSocket(socketPath);
    assert.deepEqual(await removeRecorderLeftovers(socketPath), [socketPath, path.join(runtime, 'peers')]);
    assert.deepEqual(await readdir(dir), []);
  });

  it('nothing there is no error; a file that is not a socket and other files are left alone', async () => {
    assert.deepEqual(await removeRecorderLeftovers(path.join(dir, 'none/record.sock')), []);
    const runtime = path.join(dir, 'latchkey-agent');
    await mkdir(runtime);
    await writeFile(path.join(runtime, 'record.sock'), 'not a socket');
    await writeFile(path.join(runtime, 'other'), '');
    assert.deepEqual(await removeRecorderLeftovers(path.join(runtime, 'record.sock')), []);
    assert.deepEqual(await readdir(runtime), ['other', 'record.sock']);
  });
});
