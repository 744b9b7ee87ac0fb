/**
 * Session terminations: orders to end sessions at agents' SSH fronts.
 * Part of the store port (../store.ts, which states the contract every repository keeps).
 */
import type { SessionTerminationRecord } from '../../../domain/records.js';

export type SessionTerminationInput = Omit<SessionTerminationRecord, 'id' | 'accountId' | 'createdAt'>;

export interface SessionTerminationRepository {
  /**
   * Stores an order; its id is above every id stored before, and ids become visible in increasing order
   * (on PostgreSQL inserts take a table lock until their transaction ends, so a reader that sees id n
   * sees every id below it): a poller that moves its cursor to the highest id it has seen misses none.
   */
  create(accountId: string, input: SessionTerminationInput): Promise<SessionTerminationRecord>;
  /** The highest id stored, in any account; 0 when there is none. */
  latestId(): Promise<number>;
  /**
   * The account's orders for `agentId` (its own, and those for every agent) with `after` < id <= `upTo`,
   * by increasing id, at most `limit`.
   */
  listForAgent(
    accountId: string,
    agentId: string,
    range: { after: number; upTo: number; limit: number },
  ): Promise<SessionTerminationRecord[]>;
}
