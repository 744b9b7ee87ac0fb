/**
 * Sign-in abuse (issue 13, "password guessing"): rate limits per source address and per account on
 * password sign-ins, device-code polling and the token endpoint (answered 429 with Retry-After by the
 * HTTP edge), and the per-account lockout that backs off exponentially (domain/sign-in-limits.ts), kept
 * in the database so that every server process agrees. Failed passwords and locks are audit events
 * (`sign_in.failed`, `sign_in.locked`).
 *
 * The rate limits live in each process's memory (a cap per process; several processes multiply it); the
 * lockout, which is what stops guessing one account's password, is shared.
 */
import type { JsonObject } from '../../domain/records.js';
import type { Bucket, RateLimit } from '../../domain/sign-in-limits.js';
import { bucketIsFull, lockoutDelayMs, takeToken } from '../../domain/sign-in-limits.js';
import type { Clock } from '../environment.js';
import type { LockoutAdmission, StoreOf } from '../ports/store.js';
import type { Services } from '../services.js';
import { actorOf } from './person-caller.js';

/**
 * What the limits on password sign-ins need: the limits, this process's buckets, the time, the shared
 * lockouts, and the audit trail (failures and locks).
 */
export type SignInThrottleDeps = Pick<Services, 'clock' | 'signInLimits'> & {
  rateLimiter: Pick<RateLimiter, 'take'>;
  store: StoreOf<'signInLockouts' | 'auditEvents'>;
};

/** A refusal to answer now: the edge answers 429 with `Retry-After: retryAfterSeconds`. */
export interface Throttled {
  retryAfterSeconds: number;
  message: string;
}

/** Token buckets by key, in memory; full buckets are forgotten when there are many keys. */
export class RateLimiter {
  private readonly buckets = new Map<string, { bucket: Bucket; limit: RateLimit }>();

  constructor(
    private readonly clock: Clock,
    private readonly maxKeys = 100_000,
  ) {}

  /** Takes one request's token; the seconds to wait when there is none. */
  take(key: string, limit: RateLimit): { allowed: true } | { allowed: false; retryAfterSeconds: number } {
    const now = this.clock().getTime();
    const decision = takeToken(this.buckets.get(key)?.bucket, limit, now);
    if (!this.buckets.has(key) && this.buckets.size >= this.maxKeys) this.prune(now);
    this.buckets.set(key, { bucket: decision.bucket, limit });
    return decision.allowed
      ? { allowed: true }
      : { allowed: false, retryAfterSeconds: decision.retryAfterSeconds };
  }

  private prune(now: number): void {
    for (const [key, { bucket, limit }] of this.buckets) {
      if (bucketIsFull(bucket, limit, now)) this.buckets.delete(key);
    }
    // Still full of busy keys (a flood from many addresses): start over rather than grow without bound.
    if (this.buckets.size >= this.maxKeys) this.buckets.clear();
  }
}

export function throttled(retryAfterSeconds: number, why: string): Throttled {
  return { retryAfterSeconds, message: `${why}; try again in ${retryAfterSeconds} s` };
}

/**
 * Before a password is checked: the address's and the account's rate limits, then the account's lockout
 * (which counts this attempt as a failure until it succeeds). A Throttled answer, or the admission to
 * hand to `passwordChecked`.
 */
export async function admitPasswordAttempt(
  services: SignInThrottleDeps,
  attempt: { accountId: string; email: string; address?: string },
): Promise<{ throttled: Throttled } | { admission: LockoutAdmission & { admitted: true } }> {
  const limits = services.signInLimits;
  if (attempt.address !== undefined) {
    const byAddress = services.rateLimiter.take(
      `password:address:${attempt.address}`,
      limits.passwordPerAddress,
    );
    if (!byAddress.allowed) {
      return {
        throttled: throttled(byAddress.retryAfterSeconds, 'too many sign-in attempts from your address'),
      };
    }
  }
  const subject = attempt.email.trim().toLowerCase();
  const byAccount = services.rateLimiter.take(
    `password:account:${attempt.accountId}:${subject}`,
    limits.passwordPerAccount,
  );
  if (!byAccount.allowed) {
    return {
      throttled: throttled(byAccount.retryAfterSeconds, 'too many sign-in attempts for this account'),
    };
  }
  const now = services.clock();
  const admission = await services.store.signInLockouts.admit(attempt.accountId, subject, now, (failures) =>
    lockoutDelayMs(failures, limits.lockout),
  );
  if (!admission.admitted) {
    const seconds = Math.max(1, Math.ceil((admission.lockedUntil.getTime() - now.getTime()) / 1000));
    return {
      throttled: throttled(seconds, 'too many failed sign-ins for this account: it is locked for now'),
    };
  }
  return { admission };
}

/** After the password was checked: a success clears the lockout; a failure is audited (and its lock). */
export async function passwordChecked(
  services: SignInThrottleDeps,
  attempt: { accountId: string; email: string; address?: string },
  admission: LockoutAdmission & { admitted: true },
  correct: boolean,
): Promise<void> {
  const subject = attempt.email.trim().toLowerCase();
  if (correct) {
    await services.store.signInLockouts.reset(attempt.accountId, subject);
    return;
  }
  await services.store.transaction(async (tx) => {
    const common = {
      actor: actorOf(subject),
      resourceType: 'user',
      resourceId: subject,
    };
    const address: JsonObject = attempt.address === undefined ? {} : { client_ip: attempt.address };
    await tx.auditEvents.append(attempt.accountId, {
      ...common,
      action: 'sign_in.failed',
      after: { method: 'password', consecutive_failures: admission.failures, ...address },
    });
    if (admission.lockedUntil !== undefined) {
      await tx.auditEvents.append(attempt.accountId, {
        ...common,
        action: 'sign_in.locked',
        after: {
          consecutive_failures: admission.failures,
          locked_until: admission.lockedUntil.toISOString(),
          ...address,
        },
      });
    }
  });
}
