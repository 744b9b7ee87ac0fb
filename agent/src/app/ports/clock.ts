/**
 * Time, passed in so that waits and deadlines are testable (adapters/clock/system-clock.ts): Latchkey's one
 * Clock type. The agent only measures intervals, so its system clock is monotonic (performance.now): only
 * differences of `now()` mean something here.
 */
export type { Clock } from '@latchkey/shared/time/clock';
