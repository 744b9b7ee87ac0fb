import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../../app/ports/clock.js';

/** The Clock port on performance.now (monotonic) and timers. */
export class SystemClock implements Clock {
  now(): number {
    return performance.now();
  }

  async sleep(milliseconds: number): Promise<void> {
    await sleep(milliseconds);
  }
}
