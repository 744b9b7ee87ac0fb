/** Use-cases of reusable access policies (`/access/policies`). */
import type { ValidPolicyInput } from '@latchkey/shared';
import { presentPolicy } from '../domain/api-representation.js';
import type { JsonObject, JsonValue, PolicyRecord } from '../domain/records.js';
import { checkGroupReferences } from './access-groups.js';
import { recordChange } from './audit-trail.js';
import type { Caller } from './caller.js';
import { found } from './not-found.js';
import type { PolicyInput, StoreOf } from './ports/store.js';

/** What the policy use cases need: the policies, the groups their rules name, and the audit trail. */
export interface AccessPoliciesDeps {
  store: StoreOf<'policies' | 'groups' | 'auditEvents'>;
}

export function toPolicyInput(policy: ValidPolicyInput, reusable: boolean): PolicyInput {
  return {
    name: policy.name,
    decision: policy.decision,
    include: policy.include as JsonValue[],
    require: policy.require as JsonValue[],
    exclude: policy.exclude as JsonValue[],
    ...(policy.connectionRules === undefined
      ? {}
      : { connectionRules: policy.connectionRules as unknown as JsonObject }),
    reusable,
  };
}

export async function createPolicy(
  services: AccessPoliciesDeps,
  caller: Caller,
  policy: ValidPolicyInput,
): Promise<PolicyRecord> {
  return services.store.transaction(async (tx) => {
    await checkGroupReferences(tx, caller.accountId, policy.groups);
    const created = await tx.policies.create(caller.accountId, toPolicyInput(policy, true));
    await recordChange(tx, caller, {
      action: 'policy.create',
      resourceType: 'policy',
      resourceId: created.id,
      after: presentPolicy(created),
    });
    return created;
  });
}

export async function listPolicies(services: AccessPoliciesDeps, caller: Caller): Promise<PolicyRecord[]> {
  return services.store.policies.list(caller.accountId, { reusable: true });
}

/** Only reusable policies are addressable here; inline ones live in their app. */
export async function getPolicy(
  services: AccessPoliciesDeps,
  caller: Caller,
  id: string,
): Promise<PolicyRecord> {
  const policy = await services.store.policies.get(caller.accountId, id);
  return found(policy?.reusable === true ? policy : undefined, 'reusable policy', id);
}

export async function replacePolicy(
  services: AccessPoliciesDeps,
  caller: Caller,
  id: string,
  policy: ValidPolicyInput,
): Promise<PolicyRecord> {
  return services.store.transaction(async (tx) => {
    const existing = await tx.policies.get(caller.accountId, id);
    const before = found(existing?.reusable === true ? existing : undefined, 'reusable policy', id);
    await checkGroupReferences(tx, caller.accountId, policy.groups);
    const after = found(
      await tx.policies.replace(caller.accountId, id, toPolicyInput(policy, true)),
      'policy',
      id,
    );
    await recordChange(tx, caller, {
      action: 'policy.update',
      resourceType: 'policy',
      resourceId: id,
      before: presentPolicy(before),
      after: presentPolicy(after),
    });
    return after;
  });
}

/** Refused (409, naming the app) while an app links the policy. */
export async function deletePolicy(
  services: AccessPoliciesDeps,
  caller: Caller,
  id: string,
): Promise<PolicyRecord> {
  return services.store.transaction(async (tx) => {
    const existing = await tx.policies.get(caller.accountId, id);
    found(existing?.reusable === true ? existing : undefined, 'reusable policy', id);
    const deleted = found(await tx.policies.delete(caller.accountId, id), 'policy', id);
    await recordChange(tx, caller, {
      action: 'policy.delete',
      resourceType: 'policy',
      resourceId: id,
      before: presentPolicy(deleted),
    });
    return deleted;
  });
}
