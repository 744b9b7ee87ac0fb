/**
 * Infrastructure targets: a hostname and its addresses, each in a virtual network.
 * Part of the store port (../store.ts, which states the contract every repository keeps).
 */
import type { TargetRecord } from '../../../domain/records.js';
import type { Page, PageRequest } from './paging.js';

/**
 * One address of a target to store. `address` is any valid textual IPv4 / IPv6 address (the store
 * normalises it: IPv4 dotted decimal, IPv6 RFC 5952 lowercase compressed); an invalid one throws
 * `invalid_argument`. A missing `virtualNetworkId` means the account's default network.
 */
export interface TargetIpInput {
  address: string;
  virtualNetworkId?: string;
}

/** At least one of ipv4/ipv6 (the HTTP layer checks; the store refuses with invalid_argument too). */
export interface TargetInput {
  hostname: string;
  ipv4?: TargetIpInput;
  ipv6?: TargetIpInput;
  /** Cloudflare's tags. On replace, undefined keeps the target's tags (an agent's re-registration). */
  tags?: Record<string, string>;
}

/**
 * Every list filter of Cloudflare's `GET …/infrastructure/targets`, all optional and ANDed.
 * Addresses are given as text and normalised by the store before comparing.
 */
export interface TargetFilter {
  /** Exact, case-insensitive. */
  hostname?: string;
  /** Substring, case-insensitive. */
  hostnameContains?: string;
  /** Targets with an address (v4 or v6) in this network. */
  virtualNetworkId?: string;
  ipV4?: string;
  ipV6?: string;
  /** Any-of: targets having one of these addresses (v4 or v6). */
  ips?: string[];
  /** Any-of. */
  targetIds?: string[];
  /** `*` matches any run of characters, over the normalised v4 or v6 address text. */
  ipLike?: string;
  /** Inclusive range over IPv4 addresses (either bound may be given alone). */
  ipv4Start?: string;
  ipv4End?: string;
  /** Inclusive range over IPv6 addresses (either bound may be given alone). */
  ipv6Start?: string;
  ipv6End?: string;
  /** Strict comparisons. */
  createdBefore?: Date;
  createdAfter?: Date;
  modifiedBefore?: Date;
  modifiedAfter?: Date;
  /** All-of: targets carrying every one of these tags (key and value, exact). */
  tags?: { key: string; value: string }[];
}

export interface TargetListRequest extends TargetFilter, PageRequest {
  /** Default `hostname`. Ties are broken by id, so paging is stable. */
  order?: 'hostname' | 'created_at';
  /** Default `asc`. */
  direction?: 'asc' | 'desc';
}

export interface TargetRepository {
  /** Conflict (naming the ip and the vnet) when an (ip, virtual network) pair is already taken. */
  create(accountId: string, input: TargetInput): Promise<TargetRecord>;
  /** All or nothing, in one transaction; results in input order. Pairs repeated in the batch conflict. */
  createMany(accountId: string, inputs: TargetInput[]): Promise<TargetRecord[]>;
  get(accountId: string, id: string): Promise<TargetRecord | undefined>;
  list(accountId: string, request?: TargetListRequest): Promise<Page<TargetRecord>>;
  /** Full replace (Cloudflare's PUT): keeps id and createdAt, sets modifiedAt. */
  replace(accountId: string, id: string, input: TargetInput): Promise<TargetRecord | undefined>;
  delete(accountId: string, id: string): Promise<TargetRecord | undefined>;
  /** Deletes those of `ids` that exist (in one transaction) and returns them. */
  deleteMany(accountId: string, ids: string[]): Promise<TargetRecord[]>;
}
