/**
 * Limits on sign-in abuse (issue 13, "password guessing"), as pure rules:
 *
 * - **Rate limits**: token buckets per key (a source address, an account), so that a burst is allowed and
 *   a sustained rate is capped. A request that finds its bucket empty is answered 429 with `Retry-After`
 *   (the seconds until one token is back).
 * - **Lockout per account**: `freeFailures` consecutive failed passwords are free; from then on every
 *   attempt must wait: after failure n (n >= freeFailures) the account is locked for
 *   `firstDelayMs * 2^(n - freeFailures)`, at most `maxDelayMs` (by default 5 free, then 1 s, 2 s, 4 s, …,
 *   15 min). A success resets it. The lock is kept in the database, so every server process agrees.
 *
 * Time is passed in; nothing here reads a clock.
 */

export interface RateLimit {
  /** How many requests may come at once. */
  burst: number;
  /** How many more are allowed per minute, sustained. */
  perMinute: number;
}

export interface LockoutPolicy {
  freeFailures: number;
  firstDelayMs: number;
  maxDelayMs: number;
}

export interface SignInLimits {
  lockout: LockoutPolicy;
  /** Password sign-ins (the device page's POST) per source address. */
  passwordPerAddress: RateLimit;
  /** Password sign-ins per account (the email typed), whatever the address. */
  passwordPerAccount: RateLimit;
  /** `POST /oauth/token` (device-code polls and refreshes) per source address. */
  tokenPerAddress: RateLimit;
  /** `POST /oauth/token` per device code or refresh token (its hash). */
  tokenPerGrant: RateLimit;
  /** `POST /oauth/device_authorization` per source address. */
  deviceStartPerAddress: RateLimit;
}

export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = {
  lockout: { freeFailures: 5, firstDelayMs: 1000, maxDelayMs: 15 * 60 * 1000 },
  passwordPerAddress: { burst: 20, perMinute: 10 },
  passwordPerAccount: { burst: 10, perMinute: 5 },
  // Many people behind one NAT: each poll is every 2 s during a sign-in, each refresh every 10 minutes.
  tokenPerAddress: { burst: 300, perMinute: 300 },
  // One client polls every `interval` (2 s); a tight loop gets slow_down first, then this.
  tokenPerGrant: { burst: 20, perMinute: 40 },
  deviceStartPerAddress: { burst: 30, perMinute: 20 },
};

/** How long the account is locked after its `failures`-th consecutive failure (0: not locked). */
export function lockoutDelayMs(failures: number, policy: LockoutPolicy): number {
  if (failures < policy.freeFailures) return 0;
  const exponent = Math.min(failures - policy.freeFailures, 40);
  return Math.min(policy.firstDelayMs * 2 ** exponent, policy.maxDelayMs);
}

/** A token bucket's state: how many tokens it held at `at` (ms). */
export interface Bucket {
  tokens: number;
  at: number;
}

export type BucketDecision =
  { allowed: true; bucket: Bucket } | { allowed: false; bucket: Bucket; retryAfterSeconds: number };

/** Takes one token from the bucket at time `now` (ms), refilling it first. */
export function takeToken(bucket: Bucket | undefined, limit: RateLimit, now: number): BucketDecision {
  const ratePerMs = limit.perMinute / 60_000;
  const elapsed = bucket === undefined ? 0 : Math.max(0, now - bucket.at);
  const tokens =
    bucket === undefined ? limit.burst : Math.min(limit.burst, bucket.tokens + elapsed * ratePerMs);
  if (tokens >= 1) return { allowed: true, bucket: { tokens: tokens - 1, at: now } };
  const waitMs = ratePerMs > 0 ? (1 - tokens) / ratePerMs : 60_000;
  return {
    allowed: false,
    bucket: { tokens, at: now },
    retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
  };
}

/** True when the bucket would be full at `now`: it can be forgotten without changing any decision. */
export function bucketIsFull(bucket: Bucket, limit: RateLimit, now: number): boolean {
  return bucket.tokens + Math.max(0, now - bucket.at) * (limit.perMinute / 60_000) >= limit.burst;
}
