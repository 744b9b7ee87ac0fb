/**
 * Sign-in lockouts: consecutive failed passwords per typed email, shared by every server process.
 * Part of the store port (../store.ts, which states the contract every repository keeps).
 */

export type LockoutAdmission =
  { admitted: true; failures: number; lockedUntil?: Date } | { admitted: false; lockedUntil: Date };

export interface SignInLockoutRepository {
  /**
   * One password attempt for `subject`, atomically (two processes never both pass a lock): refused when
   * it is locked at `now`; else counted as a failure in advance (failures + 1) and locked for
   * `lockFor(failures)` ms from `now` (0: not locked). A success then calls `reset`.
   */
  admit(
    accountId: string,
    subject: string,
    now: Date,
    lockFor: (failures: number) => number,
  ): Promise<LockoutAdmission>;
  reset(accountId: string, subject: string): Promise<void>;
}
