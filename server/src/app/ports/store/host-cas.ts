/**
 * The account's host CA, which signs the host keys of agents' SSH fronts.
 * Part of the store port (../store.ts, which states the contract every repository keeps).
 */
import type { HostCaRecord } from '../../../domain/records.js';
import type { GatewayCaInput } from './gateway-cas.js';

export interface HostCaRepository {
  /** The account's host CA, if it has one yet. */
  get(accountId: string): Promise<HostCaRecord | undefined>;
  /**
   * Stores `input` as the account's host CA unless it has one: either way answers the one stored (two
   * servers making it at once keep the first; the database decides).
   */
  createIfAbsent(accountId: string, input: GatewayCaInput): Promise<HostCaRecord>;
}
