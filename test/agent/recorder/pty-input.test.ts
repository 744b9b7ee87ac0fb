import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { spawn as spawnPty } from 'node-pty';
import { PtyInput } from '../../../agent/src/recorder/pty-input.js';

/**
 * A real PTY (node-pty) whose program reads its terminal raw and prints the SHA-256 of what it read: a
 * paste far larger than the PTY's input buffer must arrive whole and in order, the rest waiting for room.
 */
describe('PtyInput (keystrokes to the program PTY)', () => {
  it('delivers a paste larger than the PTY buffer whole and in order', async function () {
    this.timeout(20_000);
    const size = 400_000;
    const pty = spawnPty(
      '/bin/sh',
      ['-c', `stty raw -echo; printf ready; head -c ${size} | sha256sum; printf done`],
      { cols: 80, rows: 24, cwd: '/', env: { PATH: '/usr/bin:/bin' }, encoding: null },
    );
    let seen = '';
    const waitFor = (text: string) =>
      new Promise<void>((resolve) => {
        const check = () => (seen.includes(text) ? resolve() : setTimeout(check, 10));
        check();
      });
    pty.onData((chunk) => {
      seen += (chunk as unknown as Buffer).toString('latin1');
    });
    const exited = new Promise((resolve) => pty.onExit(resolve));
    try {
      await waitFor('ready');
      const paste = randomBytes(size);
      const input = new PtyInput(pty);
      // Several writes in one tick, most of them while the PTY is full: order must hold.
      for (let offset = 0; offset < size; offset += 50_000)
        input.write(paste.subarray(offset, offset + 50_000));
      await waitFor('done');
      assert.match(seen, new RegExp(createHash('sha256').update(paste).digest('hex')));
      input.dispose();
    } finally {
      pty.kill('SIGKILL');
      await exited;
    }
  });
});
