/**
 * OAuth device authorizations (the sign-in of the CLI and the extension).
 * Part of the store port (../store.ts, which states the contract every repository keeps).
 */
import type { DeviceAuthorizationRecord } from '../../../domain/records.js';

export interface DeviceAuthorizationInput {
  deviceCodeHash: string;
  userCode: string;
  clientId: string;
  intervalSeconds: number;
  expiresAt: Date;
}

export interface DeviceAuthorizationRepository {
  create(accountId: string, input: DeviceAuthorizationInput): Promise<DeviceAuthorizationRecord>;
  get(id: string): Promise<DeviceAuthorizationRecord | undefined>;
  findByDeviceCodeHash(hash: string): Promise<DeviceAuthorizationRecord | undefined>;
  findByUserCode(userCode: string): Promise<DeviceAuthorizationRecord | undefined>;
  /** Records a poll; returns the previous poll time (for `slow_down`). */
  recordPoll(id: string, at: Date): Promise<Date | undefined>;
  /** `pending` → `approved` (with the session) or `denied`; false when it was no longer pending. */
  decide(
    id: string,
    decision: { status: 'approved'; sessionId: string } | { status: 'denied' },
  ): Promise<boolean>;
  /** `approved` → `consumed`; false when it was not approved (a second poll never gets tokens again). */
  consume(id: string): Promise<boolean>;
}
