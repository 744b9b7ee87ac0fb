/** Use-cases of virtual networks. Exactly one default per account (the store keeps it so). */
import { LatchkeyError } from '@latchkey/shared';
import type {
  VirtualNetworkCreateBody,
  VirtualNetworkListQuery,
  VirtualNetworkPatchBody,
} from '@latchkey/shared';
import { presentVirtualNetwork } from '../domain/api-representation.js';
import type { VirtualNetworkRecord } from '../domain/records.js';
import { recordChange } from './audit-trail.js';
import type { Caller } from './caller.js';
import { found } from './not-found.js';
import type { StoreOf, VirtualNetworkFilter, VirtualNetworkPatch } from './ports/store.js';

/** What the virtual-network use cases need: the networks and the audit trail. */
export interface VirtualNetworksDeps {
  store: StoreOf<'virtualNetworks' | 'auditEvents'>;
}

export async function createVirtualNetwork(
  services: VirtualNetworksDeps,
  caller: Caller,
  body: VirtualNetworkCreateBody,
): Promise<VirtualNetworkRecord> {
  const isDefault = defaultFlag(body);
  return services.store.transaction(async (tx) => {
    const network = await tx.virtualNetworks.create(caller.accountId, {
      name: body.name,
      comment: body.comment ?? '',
      ...(isDefault === undefined ? {} : { isDefaultNetwork: isDefault }),
    });
    await recordChange(tx, caller, {
      action: 'virtual_network.create',
      resourceType: 'virtual_network',
      resourceId: network.id,
      after: presentVirtualNetwork(network),
    });
    return network;
  });
}

export async function listVirtualNetworks(
  services: VirtualNetworksDeps,
  caller: Caller,
  query: VirtualNetworkListQuery,
): Promise<VirtualNetworkRecord[]> {
  const filter: VirtualNetworkFilter = {};
  if (query.name !== undefined) filter.name = query.name;
  const isDefault = defaultFlag(query, 'query parameter');
  if (isDefault !== undefined) filter.isDefaultNetwork = isDefault;
  if (query.id !== undefined) filter.ids = [query.id.toLowerCase()];
  // A deleted network is removed, not kept: "only deleted ones" is always none.
  if (query.is_deleted === true) return [];
  return services.store.virtualNetworks.list(caller.accountId, filter);
}

export async function getVirtualNetwork(
  services: VirtualNetworksDeps,
  caller: Caller,
  id: string,
): Promise<VirtualNetworkRecord> {
  return found(await services.store.virtualNetworks.get(caller.accountId, id), 'virtual network', id);
}

export async function updateVirtualNetwork(
  services: VirtualNetworksDeps,
  caller: Caller,
  id: string,
  body: VirtualNetworkPatchBody,
): Promise<VirtualNetworkRecord> {
  const isDefault = defaultFlag(body);
  return services.store.transaction(async (tx) => {
    const before = found(await tx.virtualNetworks.get(caller.accountId, id), 'virtual network', id);
    if (isDefault === false && before.isDefaultNetwork) {
      throw new LatchkeyError(
        'conflict',
        `virtual network ${id} is the default; make another network the default instead (is_default_network: true on it)`,
        { pointer: '/is_default_network' },
      );
    }
    const patch: VirtualNetworkPatch = {};
    if (body.name !== undefined) patch.name = body.name;
    if (body.comment !== undefined) patch.comment = body.comment;
    if (isDefault === true) patch.isDefaultNetwork = true;
    const after = found(await tx.virtualNetworks.update(caller.accountId, id, patch), 'virtual network', id);
    await recordChange(tx, caller, {
      action: 'virtual_network.update',
      resourceType: 'virtual_network',
      resourceId: id,
      before: presentVirtualNetwork(before),
      after: presentVirtualNetwork(after),
    });
    return after;
  });
}

export async function deleteVirtualNetwork(
  services: VirtualNetworksDeps,
  caller: Caller,
  id: string,
): Promise<VirtualNetworkRecord> {
  return services.store.transaction(async (tx) => {
    const existing = found(await tx.virtualNetworks.get(caller.accountId, id), 'virtual network', id);
    if (existing.isDefaultNetwork) {
      throw new LatchkeyError(
        'conflict',
        `virtual network ${id} (${existing.name}) is the default and cannot be deleted; make another network the default first`,
      );
    }
    const deleted = found(await tx.virtualNetworks.delete(caller.accountId, id), 'virtual network', id);
    await recordChange(tx, caller, {
      action: 'virtual_network.delete',
      resourceType: 'virtual_network',
      resourceId: id,
      before: presentVirtualNetwork(existing),
    });
    return deleted;
  });
}

/** `is_default_network`, or its deprecated alias `is_default`; both given must agree. */
function defaultFlag(
  body: { is_default_network?: boolean; is_default?: boolean },
  where: 'body' | 'query parameter' = 'body',
): boolean | undefined {
  if (
    body.is_default_network !== undefined &&
    body.is_default !== undefined &&
    body.is_default_network !== body.is_default
  ) {
    throw new LatchkeyError(
      'invalid_argument',
      where === 'body'
        ? '/is_default contradicts /is_default_network; give only is_default_network'
        : 'query parameter "is_default" contradicts "is_default_network"; give only is_default_network',
      {
        pointer: '/is_default',
      },
    );
  }
  return body.is_default_network ?? body.is_default;
}
