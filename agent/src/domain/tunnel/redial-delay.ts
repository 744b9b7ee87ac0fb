/**
 * How long the agent waits before dialling a lost tunnel link again: full-jitter exponential backoff
 * (0.5 s doubling), capped at 4 s for the first minute of an outage and at 30 s after it.
 *
 * Why two caps: a server restart or a rolling upgrade is over in seconds to tens of seconds, and a link
 * should be back within 5 s of the server listening again (issue #14, p95). Under one 30 s cap the
 * doubling had reached 4–8 s by the time a restarted server listened, and the next dial came up to 11 s
 * later (bench/tunnel.bench.ts --only reconnect: p95 9.7–11.2 s). Under a 4 s cap the next dial falls
 * uniformly within 4 s of any moment, so p95 is about 3.8 s plus the dial itself. An outage longer than a
 * minute is no restart: then 30 s spares a recovering server, or the load balancer in front of it, from
 * every agent dialling every 2 s on average. Full jitter spreads a fleet's dials evenly either way.
 */
export interface RedialPolicy {
  /** The first delay's bound. Default 500 ms. */
  readonly baseMs?: number;
  /** The cap during the first `fastForMs` of an outage. Default 4 s. */
  readonly fastCapMs?: number;
  /** How long an outage is dialled at the fast cap. Default 60 s. */
  readonly fastForMs?: number;
  /** The cap after that. Default 30 s. */
  readonly slowCapMs?: number;
}

/**
 * `attempt`: failed dials since the link last held (0 for the first redial); `outageMs`: how long the
 * link has been down; `random`: uniform in [0, 1). Returns a delay in [0, cap) where cap is the lesser of
 * base × 2^attempt and the cap for an outage this long.
 */
export function redialDelayMs(
  attempt: number,
  outageMs: number,
  random: number,
  policy: RedialPolicy = {},
): number {
  const base = policy.baseMs ?? 500;
  const cap =
    outageMs < (policy.fastForMs ?? 60_000) ? (policy.fastCapMs ?? 4_000) : (policy.slowCapMs ?? 30_000);
  return random * Math.min(cap, base * 2 ** Math.min(attempt, 30));
}
