/**
 * Built-in user accounts (people who sign in with a password).
 * Part of the store port (../store.ts, which states the contract every repository keeps).
 */
import type { UserRecord } from '../../../domain/records.js';

export interface UserInput {
  email: string;
  passwordHash: string;
  groups: string[];
}

export interface UserPatch {
  passwordHash?: string;
  groups?: string[];
  disabled?: boolean;
}

export interface UserRepository {
  /** `conflict` when the email (lowercased) is taken in the account. */
  create(accountId: string, input: UserInput): Promise<UserRecord>;
  get(accountId: string, id: string): Promise<UserRecord | undefined>;
  getByEmail(accountId: string, email: string): Promise<UserRecord | undefined>;
  /** Sorted by email. */
  list(accountId: string): Promise<UserRecord[]>;
  update(accountId: string, id: string, patch: UserPatch): Promise<UserRecord | undefined>;
}
