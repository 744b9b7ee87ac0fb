/**
 * `latchkey logs play`: writes a session's terminal output with its timing (domain/logs/replay-steps.ts)
 * against one schedule, so rounding of many short waits does not add up. `stopped` (Ctrl-C) ends the
 * replay between writes; either way the terminal is given back: the modes the replay left on are undone
 * (domain/logs/terminal-restore.ts).
 */
import { LatchkeyError, type SessionLogContents } from '@latchkey/shared';
import { replaySteps, type ReplayOptions } from '../../domain/logs/replay-steps.js';
import { TerminalModeTracker } from '../../domain/logs/terminal-restore.js';

export interface PlayDeps {
  write(bytes: Uint8Array | string): Promise<void>;
  /** Milliseconds on a monotonic clock. */
  now(): number;
  /** Resolves after `ms`, or early when the replay is stopped. */
  sleep(ms: number): Promise<void>;
  stopped(): boolean;
}

export async function playLog(
  deps: PlayDeps,
  log: Pick<SessionLogContents, 'packets'>,
  options: ReplayOptions,
): Promise<{ completed: boolean }> {
  if (!(options.speed > 0) || !Number.isFinite(options.speed)) {
    throw new LatchkeyError('invalid_argument', '--speed must be a number above 0', { pointer: '--speed' });
  }
  if (options.maxIdleSeconds !== undefined && !(options.maxIdleSeconds >= 0)) {
    throw new LatchkeyError('invalid_argument', '--max-idle must be a number of seconds, 0 or more', {
      pointer: '--max-idle',
    });
  }
  const tracker = new TerminalModeTracker();
  const start = deps.now();
  let due = 0;
  let completed = true;
  try {
    for (const step of replaySteps(log.packets, options)) {
      due += step.waitMs;
      const wait = start + due - deps.now();
      if (wait > 1) await deps.sleep(wait);
      if (deps.stopped()) {
        completed = false;
        break;
      }
      tracker.observe(step.data);
      await deps.write(step.data);
    }
  } finally {
    await deps.write(tracker.restoreSequence());
  }
  return { completed };
}
