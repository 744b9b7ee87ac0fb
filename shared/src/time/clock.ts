/**
 * The one clock type every package's use cases take (before it: four, `() => Date` in the server, `now():
 * Date` in the CLI, `now(): number` in the agent and the extension). The system clock is an adapter's
 * (`Date.now()` and a timer); tests pass a clock whose `sleep` advances time.
 */
export interface Clock {
  /**
   * Milliseconds since the epoch (`Date.now()`'s scale). A caller that only measures intervals (the agent's
   * waits and deadlines) may be handed a monotonic source: then only differences mean something.
   */
  now(): number;
  /** Resolves after `milliseconds`, or rejects when `signal` aborts (a clock that cannot be aborted ignores it). */
  sleep(milliseconds: number, signal?: AbortSignal): Promise<void>;
}
