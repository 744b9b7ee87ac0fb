import assert from 'node:assert/strict';
import type { CommandRecord } from '@latchkey/shared';
import { TerminalCommandTracker } from '../../../agent/src/front/terminal-command-tracker.js';

/** Plays a terminal conversation: output the shell prints, keys the user types (echoed by the shell). */
async function play(steps: ({ out: string } | { keys: string })[], cols = 20): Promise<CommandRecord[]> {
  const found: CommandRecord[] = [];
  const tracker = new TerminalCommandTracker(cols, 5, (command) => found.push(command));
  for (const step of steps) {
    if ('out' in step) tracker.output(Buffer.from(step.out));
    else tracker.input(Buffer.from(step.keys), new Date(0));
  }
  await tracker.finish();
  return found;
}

describe('TerminalCommandTracker (the fallback for shells without integration)', () => {
  it('reads the line after the prompt at each Enter', async () => {
    const commands = await play([
      { out: '$ ' },
      { keys: 'l' },
      { out: 'l' },
      { keys: 's -l' },
      { out: 's -l' },
      { keys: '\r' },
      { out: '\r\ntotal 0\r\n$ ' },
      { keys: 'pwd' },
      { out: 'pwd' },
      { keys: '\r' },
      { out: '\r\n/\r\n$ ' },
    ]);
    assert.deepEqual(
      commands.map((c) => c.command),
      ['ls -l', 'pwd'],
    );
  });

  it('reads a command that wraps over several rows, and skips empty lines', async () => {
    const long = 'echo ' + 'x'.repeat(30);
    const commands = await play([
      { out: '$ ' },
      { keys: long },
      { out: long },
      { keys: '\r' },
      { out: '\r\n$ ' },
      { keys: '\r' },
      { out: '\r\n$ ' },
    ]);
    assert.deepEqual(
      commands.map((c) => c.command),
      [long],
    );
  });

  it('reads lines typed ahead of their echo from the keys, in order (a paste, a script)', async () => {
    const commands = await play([
      { out: '$ ' },
      { keys: 'cd /tmp\recho x\bhi\r' },
      { out: 'cd /tmp\r\n$ echo hi\r\nhi\r\n$ ' },
    ]);
    assert.deepEqual(
      commands.map((c) => c.command),
      ['cd /tmp', 'echo hi'],
    );
  });

  it('the last line, typed and echoed just before the session ends, is read: the end waits for the emulator', async () => {
    const found: CommandRecord[] = [];
    const tracker = new TerminalCommandTracker(20, 5, (command) => found.push(command));
    tracker.output(Buffer.from('$ '));
    tracker.input(Buffer.from('e'), new Date(0));
    tracker.output(Buffer.from('e'));
    tracker.input(Buffer.from('xit\r'), new Date(0));
    tracker.output(Buffer.from('xit\r\n'));
    // The shell exits at once: nothing has been parsed yet when the session ends.
    await tracker.finish();
    assert.deepEqual(
      found.map((c) => c.command),
      ['exit'],
    );
  });

  it('a session whose emulator never answers still ends, within the bound', async () => {
    const tracker = new TerminalCommandTracker(20, 5, () => {});
    const stuck = tracker as unknown as { afterParsing(action: () => void): void };
    stuck.afterParsing = () => {};
    await tracker.finish(10);
  });

  it('a flood of output is not fed past its bound: no throw, the output is skipped, not the session', () => {
    const tracker = new TerminalCommandTracker(80, 24, () => {});
    const chunk = Buffer.alloc(1024 * 1024, 0x41);
    for (let i = 0; i < 80; i++) tracker.output(chunk); // 80 MB at once: xterm alone would throw at 50
    assert.equal(tracker.missedOutput, true);
    tracker.dispose();
  });

  it('skips what is typed in full-screen programs (the alternate screen)', async () => {
    const commands = await play([{ out: '\x1b[?1049h' }, { keys: 'i' }, { out: 'text' }, { keys: '\r' }]);
    assert.deepEqual(commands, []);
  });
});
