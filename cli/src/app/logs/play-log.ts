/**
 * `latchkey logs play`: writes a session's terminal output with its timing (domain/logs/replay-steps.ts)
 * against one schedule, so rounding of many short waits does not add up. By default the output goes
 * through domain/logs/replay-filter.ts: the session's display is replayed, and what would reach outside
 * the replay (clipboard, titles, requests the terminal answers, input modes…) is left out and counted.
 * `raw` writes the output byte for byte instead. `stopped` (Ctrl-C) ends the replay between writes; either
 * way the terminal is given back: the modes the replay left on are undone.
 */
import { LatchkeyError, type SessionLogContents } from '@latchkey/shared';
import { ReplayFilter, type DroppedKind } from '../../domain/logs/replay-filter.js';
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

export interface PlayOptions extends ReplayOptions {
  /** Write the recorded output byte for byte, escape sequences that reach outside the replay included. */
  raw?: boolean;
}

export interface PlayResult {
  completed: boolean;
  /** What the filter left out, by kind (empty for a raw replay). */
  dropped: ReadonlyMap<DroppedKind, number>;
}

/** The recorded bytes as they are; only the modes left on are undone at the end. */
class RawReplay {
  private readonly tracker = new TerminalModeTracker();
  write(bytes: Uint8Array): Uint8Array {
    this.tracker.observe(bytes);
    return bytes;
  }
  end(): Uint8Array {
    return new TextEncoder().encode(this.tracker.restoreSequence());
  }
  dropped(): ReadonlyMap<DroppedKind, number> {
    return new Map();
  }
}

export async function playLog(
  deps: PlayDeps,
  log: Pick<SessionLogContents, 'packets'>,
  options: PlayOptions,
): Promise<PlayResult> {
  if (!(options.speed > 0) || !Number.isFinite(options.speed)) {
    throw new LatchkeyError('invalid_argument', '--speed must be a number above 0', { pointer: '--speed' });
  }
  if (options.maxIdleSeconds !== undefined && !(options.maxIdleSeconds >= 0)) {
    throw new LatchkeyError('invalid_argument', '--max-idle must be a number of seconds, 0 or more', {
      pointer: '--max-idle',
    });
  }
  const replay = options.raw === true ? new RawReplay() : new ReplayFilter();
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
      const bytes = replay.write(step.data);
      if (bytes.length > 0) await deps.write(bytes);
    }
  } finally {
    await deps.write(replay.end());
  }
  return { completed, dropped: replay.dropped() };
}
