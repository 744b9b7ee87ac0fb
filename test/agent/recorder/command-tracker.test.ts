import assert from 'node:assert/strict';
import { CommandTracker } from '../../../agent/src/domain/recording/command-tracker.js';

const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second));

describe('CommandTracker', () => {
  it('gives each command the cwd reported before it, its exit status and its times', () => {
    const tracker = new CommandTracker();
    assert.equal(tracker.onMark({ kind: 'cwd', cwd: '/home/alice' }, at(0)), null);
    assert.equal(tracker.onMark({ kind: 'prompt' }, at(0)), null);
    assert.equal(tracker.onMark({ kind: 'command-line', commandLine: 'cd /tmp' }, at(1)), null);
    assert.deepEqual(tracker.onMark({ kind: 'command-finished', exitStatus: 0 }, at(2)), {
      command: 'cd /tmp',
      cwd: '/home/alice',
      exit_status: 0,
      started_at: at(1).toISOString(),
      finished_at: at(2).toISOString(),
    });
    tracker.onMark({ kind: 'cwd', cwd: '/tmp' }, at(2));
    tracker.onMark({ kind: 'command-line', commandLine: 'false' }, at(3));
    assert.deepEqual(tracker.onMark({ kind: 'command-finished', exitStatus: 1 }, at(4))?.cwd, '/tmp');
  });

  it('ignores a finish without a command (an empty line) and closes a command left running', () => {
    const tracker = new CommandTracker();
    assert.equal(tracker.onMark({ kind: 'command-finished', exitStatus: 0 }, at(0)), null);
    tracker.onMark({ kind: 'command-line', commandLine: 'vim' }, at(1));
    assert.deepEqual(tracker.onMark({ kind: 'command-line', commandLine: 'ls' }, at(2)), {
      command: 'vim',
      started_at: at(1).toISOString(),
    });
    assert.deepEqual(tracker.end(), { command: 'ls', started_at: at(2).toISOString() });
    assert.equal(tracker.end(), null);
  });
});
