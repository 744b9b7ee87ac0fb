/**
 * Infrastructure apps: target criteria and the policies linked to them.
 * Part of the store port (../store.ts, which states the contract every repository keeps).
 */
import type {
  AppPolicyLink,
  InfrastructureAppRecord,
  JsonObject,
  JsonValue,
} from '../../../domain/records.js';

export interface InfrastructureAppInput {
  name: string;
  type: string;
  targetCriteria: JsonValue[];
  /**
   * The policies to link, by id (they must exist in the account: invalid_argument otherwise). Precedences
   * must be distinct; the HTTP layer usually passes 1..n in request order.
   */
  policies: AppPolicyLink[];
  /** Cloudflare's `mfa_config`; undefined: none. */
  mfaConfig?: JsonObject;
}

export interface InfrastructureAppRepository {
  /** Generates `aud`. */
  create(accountId: string, input: InfrastructureAppInput): Promise<InfrastructureAppRecord>;
  get(accountId: string, id: string): Promise<InfrastructureAppRecord | undefined>;
  /** Sorted by creation time, then id. */
  list(accountId: string, filter?: { type?: string }): Promise<InfrastructureAppRecord[]>;
  /**
   * Full replace (keeps id, aud, createdAt). Non-reusable policies that were linked before and are not
   * linked any more are deleted.
   */
  replace(
    accountId: string,
    id: string,
    input: InfrastructureAppInput,
  ): Promise<InfrastructureAppRecord | undefined>;
  /** Deletes the app, its links, and its non-reusable (inline) policies that no other app links. */
  delete(accountId: string, id: string): Promise<InfrastructureAppRecord | undefined>;
}
