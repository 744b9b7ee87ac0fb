/**
 * The account's SSH CA (Cloudflare's gateway_ca), its private key sealed.
 * Part of the store port (../store.ts, which states the contract every repository keeps).
 */
import type { GatewayCaRecord } from '../../../domain/records.js';

export interface GatewayCaInput {
  publicKey: string;
  encryptedPrivateKey: Uint8Array;
  keyAlgorithm: string;
}

/** The message of the conflict a second CA raises (Cloudflare's wording, which clients match on). */
export const GATEWAY_CA_ALREADY_EXISTS = 'access.api.error.gateway_ca_already_exists';

export interface GatewayCaRepository {
  /**
   * At most one per account, enforced by the database: a second one throws
   * `LatchkeyError('conflict', GATEWAY_CA_ALREADY_EXISTS)`.
   */
  create(accountId: string, input: GatewayCaInput & { id?: string }): Promise<GatewayCaRecord>;
  /** The account's CA, if any. */
  get(accountId: string): Promise<GatewayCaRecord | undefined>;
  list(accountId: string): Promise<GatewayCaRecord[]>;
  delete(accountId: string, id: string): Promise<GatewayCaRecord | undefined>;
}
