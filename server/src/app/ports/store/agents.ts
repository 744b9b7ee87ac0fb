/**
 * Enrolled agents: their credential, target and last heartbeat.
 * Part of the store port (../store.ts, which states the contract every repository keeps).
 */
import type { AgentHeartbeat, AgentRecord } from '../../../domain/records.js';

export interface AgentInput {
  hostname: string;
  machineId?: string;
  apiTokenId: string;
  joinTokenId: string;
}

export interface AgentRepository {
  create(accountId: string, input: AgentInput): Promise<AgentRecord>;
  get(accountId: string, id: string): Promise<AgentRecord | undefined>;
  findByApiTokenId(apiTokenId: string): Promise<AgentRecord | undefined>;
  findByMachineId(accountId: string, machineId: string): Promise<AgentRecord | undefined>;
  /** Sorted by hostname, then id. */
  list(accountId: string): Promise<AgentRecord[]>;
  /** The agents registered as this target (usually one), in no particular order. */
  listForTarget(accountId: string, targetId: string): Promise<AgentRecord[]>;
  /** The agents registered as any of these targets, in one query, in no particular order. */
  listForTargets(accountId: string, targetIds: readonly string[]): Promise<AgentRecord[]>;
  /**
   * A new credential (re-enrolment or renewal), and what the agent gave about its host. Compare-and-swap
   * on the credential: only if the agent still holds `previousApiTokenId` (a credential revoked or renewed
   * meanwhile changes nothing); undefined when it did not, or the agent is gone. `machineId: null` clears it.
   */
  replaceCredential(
    accountId: string,
    id: string,
    change: {
      previousApiTokenId: string;
      apiTokenId: string;
      hostname?: string;
      joinTokenId?: string;
      machineId?: string | null;
    },
  ): Promise<AgentRecord | undefined>;
  setTarget(accountId: string, id: string, targetId: string | undefined): Promise<AgentRecord | undefined>;
  /**
   * Sets the agent's target only if it still is `expected` (undefined: none): an agent registers one target,
   * even when two of its requests race. False when it was not (or the agent is gone).
   */
  claimTarget(
    accountId: string,
    id: string,
    targetId: string,
    expected: string | undefined,
  ): Promise<boolean>;
  /** Removes the agent (its credential is revoked by the caller, in the same transaction). */
  delete(accountId: string, id: string): Promise<AgentRecord | undefined>;
  /** Stores the heartbeat and sets lastSeenAt. */
  recordHeartbeat(
    accountId: string,
    id: string,
    heartbeat: AgentHeartbeat,
    seenAt: Date,
  ): Promise<AgentRecord | undefined>;
}
