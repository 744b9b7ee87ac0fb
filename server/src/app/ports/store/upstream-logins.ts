/**
 * Sign-ins through an upstream OIDC provider, while they are under way.
 * Part of the store port (../store.ts, which states the contract every repository keeps).
 */
import type { JsonObject, UpstreamLoginRecord } from '../../../domain/records.js';

export interface UpstreamLoginRepository {
  create(
    input: Omit<UpstreamLoginRecord, 'createdAt' | 'confirmationHash' | 'identity'>,
  ): Promise<UpstreamLoginRecord>;
  get(state: string): Promise<UpstreamLoginRecord | undefined>;
  /** Stores the signed-in identity and the confirmation hash; only once per state. */
  complete(state: string, identity: JsonObject, confirmationHash: string): Promise<boolean>;
  findByConfirmationHash(hash: string): Promise<UpstreamLoginRecord | undefined>;
  delete(state: string): Promise<void>;
}
