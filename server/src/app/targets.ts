/**
 * Use-cases of infrastructure targets. Every change is audited in its own transaction. Deleting a target
 * removes its agents and revokes their credentials in the same transaction (agents/manage-agents.ts).
 */
import { LatchkeyError, targetTagFilters } from '@latchkey/shared';
import type { TargetListQuery, ValidTargetInput } from '@latchkey/shared';
import { presentTarget } from '../domain/api-representation.js';
import type { TargetRecord } from '../domain/records.js';
import { removeAgentsOfTargets } from './agents/manage-agents.js';
import { recordChange } from './audit-trail.js';
import type { Caller } from './caller.js';
import { found } from './not-found.js';
import type { Page, Repositories, StoreOf, TargetInput, TargetListRequest } from './ports/store.js';

/**
 * What the target use cases need: the targets, the networks their addresses name, the audit trail, and
 * (deleting a target removes its agents and revokes their credentials) the agents and API tokens.
 */
export interface TargetsDeps {
  store: StoreOf<'targets' | 'virtualNetworks' | 'auditEvents' | 'agents' | 'apiTokens'>;
}

export async function createTarget(
  services: TargetsDeps,
  caller: Caller,
  input: ValidTargetInput,
): Promise<TargetRecord> {
  return services.store.transaction(async (tx) => {
    await checkVirtualNetworks(tx, caller.accountId, input, '');
    const target = await tx.targets.create(caller.accountId, toStoreInput(input));
    await recordChange(tx, caller, {
      action: 'target.create',
      resourceType: 'target',
      resourceId: target.id,
      after: presentTarget(target),
    });
    return target;
  });
}

export async function createTargets(
  services: TargetsDeps,
  caller: Caller,
  inputs: ValidTargetInput[],
): Promise<TargetRecord[]> {
  return services.store.transaction(async (tx) => {
    for (const [index, input] of inputs.entries())
      await checkVirtualNetworks(tx, caller.accountId, input, `/${index}`);
    const targets = await tx.targets.createMany(caller.accountId, inputs.map(toStoreInput));
    await recordChange(tx, caller, {
      action: 'target.batch_create',
      resourceType: 'target',
      after: targets.map((target) => target.id),
    });
    return targets;
  });
}

export async function getTarget(services: TargetsDeps, caller: Caller, id: string): Promise<TargetRecord> {
  return found(await services.store.targets.get(caller.accountId, id), 'target', id);
}

export async function listTargets(
  services: TargetsDeps,
  caller: Caller,
  query: TargetListQuery,
): Promise<Page<TargetRecord>> {
  const request: TargetListRequest = {
    hostname: query.hostname,
    hostnameContains: query.hostname_contains,
    virtualNetworkId: query.virtual_network_id?.toLowerCase(),
    ipV4: query.ip_v4,
    ipV6: query.ip_v6,
    ips: query.ips,
    targetIds: query.target_ids?.map((id) => id.toLowerCase()),
    ipLike: query.ip_like,
    ipv4Start: query.ipv4_start,
    ipv4End: query.ipv4_end,
    ipv6Start: query.ipv6_start,
    ipv6End: query.ipv6_end,
    createdBefore: dateOf(query.created_before),
    createdAfter: dateOf(query.created_after),
    modifiedBefore: dateOf(query.modified_before),
    modifiedAfter: dateOf(query.modified_after),
    tags: query.tag === undefined ? undefined : targetTagFilters(query),
    page: query.page ?? 1,
    perPage: query.per_page ?? 1000,
    order: query.order as TargetListRequest['order'],
    direction: query.direction as TargetListRequest['direction'],
  };
  for (const key of Object.keys(request) as (keyof TargetListRequest)[]) {
    if (request[key] === undefined) delete request[key];
  }
  return services.store.targets.list(caller.accountId, request);
}

export async function replaceTarget(
  services: TargetsDeps,
  caller: Caller,
  id: string,
  input: ValidTargetInput,
): Promise<TargetRecord> {
  return services.store.transaction(async (tx) => {
    const before = found(await tx.targets.get(caller.accountId, id), 'target', id);
    await checkVirtualNetworks(tx, caller.accountId, input, '');
    const after = found(await tx.targets.replace(caller.accountId, id, toStoreInput(input)), 'target', id);
    await recordChange(tx, caller, {
      action: 'target.update',
      resourceType: 'target',
      resourceId: id,
      before: presentTarget(before),
      after: presentTarget(after),
    });
    return after;
  });
}

export async function deleteTarget(services: TargetsDeps, caller: Caller, id: string): Promise<TargetRecord> {
  return services.store.transaction(async (tx) => {
    const deleted = found(await tx.targets.delete(caller.accountId, id), 'target', id);
    await recordChange(tx, caller, {
      action: 'target.delete',
      resourceType: 'target',
      resourceId: id,
      before: presentTarget(deleted),
    });
    await removeAgentsOfTargets(tx, caller, [deleted.id]);
    return deleted;
  });
}

/** Deletes those of `ids` that exist (Cloudflare's batch delete is idempotent). */
export async function deleteTargets(
  services: TargetsDeps,
  caller: Caller,
  ids: string[],
): Promise<TargetRecord[]> {
  return services.store.transaction(async (tx) => {
    const deleted = await tx.targets.deleteMany(
      caller.accountId,
      ids.map((id) => id.toLowerCase()),
    );
    if (deleted.length > 0) {
      await recordChange(tx, caller, {
        action: 'target.batch_delete',
        resourceType: 'target',
        before: deleted.map((target) => target.id),
      });
      await removeAgentsOfTargets(
        tx,
        caller,
        deleted.map((target) => target.id),
      );
    }
    return deleted;
  });
}

/** An unknown virtual network id is the request's fault: 400 pointing at the field. */
async function checkVirtualNetworks(
  tx: Pick<Repositories, 'virtualNetworks'>,
  accountId: string,
  input: ValidTargetInput,
  basePointer: string,
): Promise<void> {
  for (const family of ['ipv4', 'ipv6'] as const) {
    const id = input[family]?.virtualNetworkId;
    if (id === undefined) continue;
    if ((await tx.virtualNetworks.get(accountId, id)) === undefined) {
      const pointer = `${basePointer}/ip/${family}/virtual_network_id`;
      throw new LatchkeyError(
        'invalid_argument',
        `${pointer}: virtual network ${id} does not exist in this account`,
        {
          pointer,
        },
      );
    }
  }
}

function toStoreInput(input: ValidTargetInput): TargetInput {
  // Cloudflare's PUT is a full replace: a body without tags leaves the target without tags.
  const result: TargetInput = { hostname: input.hostname, tags: input.tags ?? {} };
  if (input.ipv4 !== undefined) result.ipv4 = { ...input.ipv4 };
  if (input.ipv6 !== undefined) result.ipv6 = { ...input.ipv6 };
  return result;
}

function dateOf(text: string | undefined): Date | undefined {
  return text === undefined ? undefined : new Date(text);
}
