/**
 * Virtual networks: the address spaces targets live in.
 * Part of the store port (../store.ts, which states the contract every repository keeps).
 */
import type { VirtualNetworkRecord } from '../../../domain/records.js';

export interface VirtualNetworkInput {
  name: string;
  comment?: string;
  /** true makes this the account's default (the previous default stops being one, atomically). */
  isDefaultNetwork?: boolean;
}

export interface VirtualNetworkPatch {
  name?: string;
  comment?: string;
  /** Only `true` is accepted (switches the default); `false` on the default is a conflict. */
  isDefaultNetwork?: boolean;
}

export interface VirtualNetworkFilter {
  name?: string;
  isDefaultNetwork?: boolean;
  ids?: string[];
}

export interface VirtualNetworkRepository {
  /** Names are unique per account (conflict otherwise). */
  create(accountId: string, input: VirtualNetworkInput): Promise<VirtualNetworkRecord>;
  get(accountId: string, id: string): Promise<VirtualNetworkRecord | undefined>;
  /** The account's default network (always exists once the account exists). */
  getDefault(accountId: string): Promise<VirtualNetworkRecord>;
  /** Sorted by creation time, then id. */
  list(accountId: string, filter?: VirtualNetworkFilter): Promise<VirtualNetworkRecord[]>;
  update(
    accountId: string,
    id: string,
    patch: VirtualNetworkPatch,
  ): Promise<VirtualNetworkRecord | undefined>;
  /**
   * Removes the network and returns it with `deletedAt` set. Deleting the default network, or one that
   * targets still use, is a conflict.
   */
  delete(accountId: string, id: string): Promise<VirtualNetworkRecord | undefined>;
}
