/**
 * Retry pauses while the server cannot be reached: exponential from `initialMs`, capped at `maxMs`,
 * with "full jitter" (a random fraction in [0.5, 1] of the step, the fraction passed in) so a fleet
 * that lost its server does not come back all at once.
 */
export interface BackoffSettings {
  readonly initialMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffSettings = { initialMs: 1000, maxMs: 5 * 60 * 1000 };

/** `failures` ≥ 1: how many attempts in a row have failed. `random` in [0, 1). */
export function backoffDelayMs(failures: number, random: number, settings = DEFAULT_BACKOFF): number {
  const step = Math.min(settings.maxMs, settings.initialMs * 2 ** Math.max(0, Math.min(failures - 1, 30)));
  return Math.round(step * (0.5 + random / 2));
}
