/**
 * The rotation of the account's SSH CA.
 * Part of the store port (../store.ts, which states the contract every repository keeps).
 */
import type { CaRotationPhase, CaRotationRecord } from '../../../domain/records.js';

/** The account's CA rotation, when one is under way (records.ts, CaRotationRecord). */
export interface CaRotationRepository {
  get(accountId: string): Promise<CaRotationRecord | undefined>;
  /** Starts one in phase `init`; a `conflict` LatchkeyError when one is already under way. */
  create(
    accountId: string,
    input: Omit<CaRotationRecord, 'accountId' | 'phase' | 'switchedAt' | 'retireAfter'>,
  ): Promise<CaRotationRecord>;
  /**
   * `init` → `update_clients` at `at`, the old CA retirable after `retireAfter`; undefined when the
   * rotation is not (or no longer) in `init`.
   */
  switchToNext(accountId: string, at: Date, retireAfter: Date): Promise<CaRotationRecord | undefined>;
  /**
   * Ends it (completed or cancelled) if it is still in `phase`, in one statement that re-checks the phase
   * (a concurrent switch cannot be cancelled away); undefined when there was none in that phase.
   */
  deleteInPhase(accountId: string, phase: CaRotationPhase): Promise<CaRotationRecord | undefined>;
}
