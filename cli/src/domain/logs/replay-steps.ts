/**
 * The plan of `latchkey logs play`: the terminal output of a PTY session with the wait before each piece,
 * at `speed` times real speed and with pauses capped at `maxIdleSeconds` (like asciinema's idle limit).
 */
import { ORIGIN, type LogPacket } from '@latchkey/shared';

export interface ReplayOptions {
  /** 1 = real speed, 2 = twice as fast. */
  speed: number;
  /** Cap on any single pause, in seconds (before the speed-up); undefined = no cap. */
  maxIdleSeconds?: number;
}

export interface ReplayStep {
  /** Milliseconds to wait before writing `data`. */
  waitMs: number;
  data: Uint8Array;
}

export function* replaySteps(packets: readonly LogPacket[], options: ReplayOptions): Generator<ReplayStep> {
  let previous = 0;
  for (const packet of packets) {
    if (packet.source !== ORIGIN) continue;
    let gapSeconds = Math.max(0, packet.elapsedMicros - previous) / 1e6;
    if (options.maxIdleSeconds !== undefined) gapSeconds = Math.min(gapSeconds, options.maxIdleSeconds);
    previous = packet.elapsedMicros;
    yield { waitMs: (gapSeconds * 1000) / options.speed, data: packet.data };
  }
}
