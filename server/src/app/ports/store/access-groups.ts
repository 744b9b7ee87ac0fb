/**
 * Access groups: named rule sets that policies refer to.
 * Part of the store port (../store.ts, which states the contract every repository keeps).
 */
import type { AccessGroupRecord, JsonValue } from '../../../domain/records.js';

export interface AccessGroupInput {
  name: string;
  /** Default false. */
  isDefault?: boolean;
  include: JsonValue[];
  require?: JsonValue[];
  exclude?: JsonValue[];
}

export interface AccessGroupRepository {
  create(accountId: string, input: AccessGroupInput): Promise<AccessGroupRecord>;
  get(accountId: string, id: string): Promise<AccessGroupRecord | undefined>;
  /** Sorted by creation time, then id. */
  list(accountId: string): Promise<AccessGroupRecord[]>;
  replace(accountId: string, id: string, input: AccessGroupInput): Promise<AccessGroupRecord | undefined>;
  delete(accountId: string, id: string): Promise<AccessGroupRecord | undefined>;
}
