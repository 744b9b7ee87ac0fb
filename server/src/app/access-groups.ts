/** Use-cases of access groups, and the existence check of `group` selectors used by policies and apps. */
import { LatchkeyError } from '@latchkey/shared';
import type { AccessGroupInputBody, AccessGroupListQuery, GroupReference } from '@latchkey/shared';
import { presentAccessGroup } from '../domain/api-representation.js';
import type { AccessGroupRecord, JsonValue } from '../domain/records.js';
import { recordChange } from './audit-trail.js';
import type { Caller } from './caller.js';
import { found } from './not-found.js';
import type { AccessGroupInput, Repositories, StoreOf } from './ports/store.js';

/**
 * What the group use cases need: the groups, the policies (a group still used by one is not deleted),
 * and the audit trail.
 */
export interface AccessGroupsDeps {
  store: StoreOf<'groups' | 'policies' | 'auditEvents'>;
}

/** Every `group` selector must name an existing group of the account (400 pointing at it otherwise). */
export async function checkGroupReferences(
  tx: Pick<Repositories, 'groups'>,
  accountId: string,
  references: GroupReference[],
  selfId?: string,
): Promise<void> {
  for (const reference of references) {
    if (reference.id === selfId) {
      throw new LatchkeyError('invalid_argument', `${reference.pointer}: a group cannot refer to itself`, {
        pointer: reference.pointer,
      });
    }
    if ((await tx.groups.get(accountId, reference.id)) === undefined) {
      throw new LatchkeyError(
        'invalid_argument',
        `${reference.pointer}: access group ${reference.id} does not exist in this account`,
        { pointer: reference.pointer },
      );
    }
  }
}

export async function createAccessGroup(
  services: AccessGroupsDeps,
  caller: Caller,
  body: AccessGroupInputBody,
  references: GroupReference[],
): Promise<AccessGroupRecord> {
  return services.store.transaction(async (tx) => {
    await checkGroupReferences(tx, caller.accountId, references);
    const group = await tx.groups.create(caller.accountId, toInput(body));
    await recordChange(tx, caller, {
      action: 'access_group.create',
      resourceType: 'access_group',
      resourceId: group.id,
      after: presentAccessGroup(group),
    });
    return group;
  });
}

export async function listAccessGroups(
  services: AccessGroupsDeps,
  caller: Caller,
  query: AccessGroupListQuery = {},
): Promise<AccessGroupRecord[]> {
  const name = query.name?.toLowerCase();
  const search = query.search?.toLowerCase();
  return (await services.store.groups.list(caller.accountId)).filter(
    (group) =>
      (name === undefined || group.name.toLowerCase() === name) &&
      (search === undefined || group.name.toLowerCase().includes(search)),
  );
}

export async function getAccessGroup(
  services: AccessGroupsDeps,
  caller: Caller,
  id: string,
): Promise<AccessGroupRecord> {
  return found(await services.store.groups.get(caller.accountId, id), 'access group', id);
}

export async function replaceAccessGroup(
  services: AccessGroupsDeps,
  caller: Caller,
  id: string,
  body: AccessGroupInputBody,
  references: GroupReference[],
): Promise<AccessGroupRecord> {
  return services.store.transaction(async (tx) => {
    const before = found(await tx.groups.get(caller.accountId, id), 'access group', id);
    await checkGroupReferences(tx, caller.accountId, references, id);
    const after = found(await tx.groups.replace(caller.accountId, id, toInput(body)), 'access group', id);
    await recordChange(tx, caller, {
      action: 'access_group.update',
      resourceType: 'access_group',
      resourceId: id,
      before: presentAccessGroup(before),
      after: presentAccessGroup(after),
    });
    return after;
  });
}

/** Refused (409) while a policy or another group still refers to the group. */
export async function deleteAccessGroup(
  services: AccessGroupsDeps,
  caller: Caller,
  id: string,
): Promise<AccessGroupRecord> {
  return services.store.transaction(async (tx) => {
    const existing = found(await tx.groups.get(caller.accountId, id), 'access group', id);
    for (const policy of await tx.policies.list(caller.accountId)) {
      if (refersToGroup([...policy.include, ...policy.require, ...policy.exclude], id)) {
        throw new LatchkeyError(
          'conflict',
          `access group ${id} is still used by policy ${policy.id} (${policy.name})`,
        );
      }
    }
    for (const group of await tx.groups.list(caller.accountId)) {
      if (group.id !== id && refersToGroup([...group.include, ...group.require, ...group.exclude], id)) {
        throw new LatchkeyError(
          'conflict',
          `access group ${id} is still used by access group ${group.id} (${group.name})`,
        );
      }
    }
    const deleted = found(await tx.groups.delete(caller.accountId, id), 'access group', id);
    await recordChange(tx, caller, {
      action: 'access_group.delete',
      resourceType: 'access_group',
      resourceId: id,
      before: presentAccessGroup(existing),
    });
    return deleted;
  });
}

function refersToGroup(rules: JsonValue[], id: string): boolean {
  return rules.some((rule) => {
    const group = (rule as { group?: { id?: unknown } } | null)?.group;
    return typeof group?.id === 'string' && group.id.toLowerCase() === id;
  });
}

function toInput(body: AccessGroupInputBody): AccessGroupInput {
  return {
    name: body.name,
    isDefault: body.is_default === true,
    include: body.include as JsonValue[],
    require: (body.require ?? []) as JsonValue[],
    exclude: (body.exclude ?? []) as JsonValue[],
  };
}
