/** Time, passed in so that waits and deadlines are testable (adapters/clock/system-clock.ts). */
export interface Clock {
  /** Milliseconds on a monotonic scale: only differences mean something. */
  now(): number;
  sleep(milliseconds: number): Promise<void>;
}
