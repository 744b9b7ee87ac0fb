/**
 * Access policies (reusable or inline in one app).
 * Part of the store port (../store.ts, which states the contract every repository keeps).
 */
import type { JsonObject, JsonValue, PolicyRecord } from '../../../domain/records.js';

export interface PolicyInput {
  name: string;
  decision: string;
  include: JsonValue[];
  require?: JsonValue[];
  exclude?: JsonValue[];
  connectionRules?: JsonObject;
  /** true: listed under /access/policies and linkable from several apps. */
  reusable: boolean;
}

export interface PolicyRepository {
  create(accountId: string, input: PolicyInput): Promise<PolicyRecord>;
  get(accountId: string, id: string): Promise<PolicyRecord | undefined>;
  /** The policies with these ids that exist, in the order of `ids`. */
  getMany(accountId: string, ids: string[]): Promise<PolicyRecord[]>;
  /** Sorted by creation time, then id. */
  list(accountId: string, filter?: { reusable?: boolean }): Promise<PolicyRecord[]>;
  /** Full replace of the policy's fields (`reusable` included); sets updatedAt. */
  replace(accountId: string, id: string, input: PolicyInput): Promise<PolicyRecord | undefined>;
  /** Conflict while an app still links the policy (naming the app). */
  delete(accountId: string, id: string): Promise<PolicyRecord | undefined>;
  /** Ids of the apps that link this policy. */
  appsUsing(accountId: string, id: string): Promise<string[]>;
}
