/**
 * Upstream identities: people from OIDC providers, by (issuer, subject).
 * Part of the store port (../store.ts, which states the contract every repository keeps).
 */
import type { UpstreamIdentityRecord } from '../../../domain/records.js';

export interface UpstreamIdentityRepository {
  get(accountId: string, issuer: string, subject: string): Promise<UpstreamIdentityRecord | undefined>;
  /** Every identity seen with this email (lowercased), linked or not. */
  listByEmail(accountId: string, email: string): Promise<UpstreamIdentityRecord[]>;
  /**
   * Creates or updates the identity (email, provider, last seen; `linked` only when given). A second
   * unlinked identity with one email is a `conflict`.
   */
  save(
    input: Omit<UpstreamIdentityRecord, 'createdAt' | 'lastSeenAt' | 'linked'> & {
      linked?: boolean;
      seenAt?: Date;
    },
  ): Promise<UpstreamIdentityRecord>;
}
