/**
 * Use-cases of infrastructure apps: target criteria and policies (inline ones are created with the app
 * and deleted with it; reusable ones are linked by id). A port has one protocol across the account.
 */
import { LatchkeyError } from '@latchkey/shared';
import type { AppListQuery, ValidAppInput } from '@latchkey/shared';
import { criteriaHostnames } from '../domain/access/target-criteria.js';
import { presentApp } from '../domain/api-representation.js';
import type {
  AppPolicyLink,
  InfrastructureAppRecord,
  JsonObject,
  JsonValue,
  PolicyRecord,
} from '../domain/records.js';
import { checkGroupReferences } from './access-groups.js';
import { toPolicyInput } from './access-policies.js';
import { recordChange } from './audit-trail.js';
import type { Caller } from './caller.js';
import { found } from './not-found.js';
import type { Repositories, StoreOf } from './ports/store.js';

export const INFRASTRUCTURE = 'infrastructure';

/**
 * What the app use cases need: the apps, their policies (inline ones are created with the app), the
 * groups their inline policies name, and the audit trail.
 */
export interface AccessAppsDeps {
  store: StoreOf<'apps' | 'policies' | 'groups' | 'auditEvents'>;
}

export interface AppWithPolicies {
  app: InfrastructureAppRecord;
  policies: ReadonlyMap<string, PolicyRecord>;
}

export function presentAppWithPolicies(value: AppWithPolicies) {
  return presentApp(value.app, value.policies);
}

async function withPolicies(
  tx: Pick<Repositories, 'policies'>,
  app: InfrastructureAppRecord,
): Promise<AppWithPolicies> {
  const policies = await tx.policies.getMany(
    app.accountId,
    app.policies.map((link) => link.policyId),
  );
  return { app, policies: new Map(policies.map((policy) => [policy.id, policy])) };
}

export async function createApp(
  services: AccessAppsDeps,
  caller: Caller,
  input: ValidAppInput,
): Promise<AppWithPolicies> {
  return services.store.transaction(async (tx) => {
    const links = await prepare(tx, caller.accountId, input, undefined);
    const app = await tx.apps.create(caller.accountId, {
      name: input.name,
      type: input.type,
      targetCriteria: input.targetCriteria as unknown as JsonValue[],
      policies: links,
      ...(input.mfaConfig === undefined ? {} : { mfaConfig: input.mfaConfig as unknown as JsonObject }),
    });
    const result = await withPolicies(tx, app);
    await recordChange(tx, caller, {
      action: 'access_app.create',
      resourceType: 'access_app',
      resourceId: app.id,
      after: presentAppWithPolicies(result),
    });
    return result;
  });
}

export async function listApps(
  services: AccessAppsDeps,
  caller: Caller,
  query: AppListQuery = {},
): Promise<AppWithPolicies[]> {
  const store = services.store;
  const apps = (await store.apps.list(caller.accountId, { type: INFRASTRUCTURE })).filter((app) =>
    appMatchesQuery(app, query),
  );
  return Promise.all(apps.map((app) => withPolicies(store, app)));
}

/** Cloudflare's app list filters (shared/src/api/access-apps.ts, AppListQuerySchema). */
function appMatchesQuery(app: InfrastructureAppRecord, query: AppListQuery): boolean {
  const name = app.name.toLowerCase();
  if (query.name !== undefined) {
    const wanted = query.name.toLowerCase();
    if (query.exact === true ? name !== wanted : !name.includes(wanted)) return false;
  }
  if (query.aud !== undefined && app.aud !== query.aud.toLowerCase()) return false;
  if (query.search !== undefined) {
    const wanted = query.search.toLowerCase();
    if (!name.includes(wanted) && !app.aud.includes(wanted)) return false;
  }
  if (query.target_attributes !== undefined) {
    const hostname = query.target_attributes.slice('hostname='.length).toLowerCase();
    if (!criteriaHostnames(app.targetCriteria).includes(hostname)) return false;
  }
  return true;
}

export async function getApp(services: AccessAppsDeps, caller: Caller, id: string): Promise<AppWithPolicies> {
  const app = found(await services.store.apps.get(caller.accountId, id), 'access app', id);
  return withPolicies(services.store, app);
}

export async function replaceApp(
  services: AccessAppsDeps,
  caller: Caller,
  id: string,
  input: ValidAppInput,
): Promise<AppWithPolicies> {
  return services.store.transaction(async (tx) => {
    const before = await withPolicies(tx, found(await tx.apps.get(caller.accountId, id), 'access app', id));
    const links = await prepare(tx, caller.accountId, input, before.app);
    const app = found(
      await tx.apps.replace(caller.accountId, id, {
        name: input.name,
        type: input.type,
        targetCriteria: input.targetCriteria as unknown as JsonValue[],
        policies: links,
        ...(input.mfaConfig === undefined ? {} : { mfaConfig: input.mfaConfig as unknown as JsonObject }),
      }),
      'access app',
      id,
    );
    const after = await withPolicies(tx, app);
    await recordChange(tx, caller, {
      action: 'access_app.update',
      resourceType: 'access_app',
      resourceId: id,
      before: presentAppWithPolicies(before),
      after: presentAppWithPolicies(after),
    });
    return after;
  });
}

export async function deleteApp(
  services: AccessAppsDeps,
  caller: Caller,
  id: string,
): Promise<InfrastructureAppRecord> {
  return services.store.transaction(async (tx) => {
    const before = await withPolicies(tx, found(await tx.apps.get(caller.accountId, id), 'access app', id));
    const deleted = found(await tx.apps.delete(caller.accountId, id), 'access app', id);
    await recordChange(tx, caller, {
      action: 'access_app.delete',
      resourceType: 'access_app',
      resourceId: id,
      before: presentAppWithPolicies(before),
    });
    return deleted;
  });
}

/**
 * Checks what needs the database (groups exist, linked policies exist and may be linked, ports keep one
 * protocol across the account), creates the inline policies, and returns the links in request order.
 */
async function prepare(
  tx: Pick<Repositories, 'apps' | 'policies' | 'groups'>,
  accountId: string,
  input: ValidAppInput,
  current: InfrastructureAppRecord | undefined,
): Promise<AppPolicyLink[]> {
  await checkGroupReferences(tx, accountId, input.groups);
  await checkPortProtocols(tx, accountId, input, current?.id);
  const links: AppPolicyLink[] = [];
  for (const item of input.policies) {
    if (item.kind === 'reference') {
      const policy = await tx.policies.get(accountId, item.id);
      if (policy === undefined) {
        throw new LatchkeyError(
          'invalid_argument',
          `${item.pointer}: policy ${item.id} does not exist in this account`,
          {
            pointer: item.pointer,
          },
        );
      }
      const ownInline = current?.policies.some((link) => link.policyId === item.id) === true;
      if (!policy.reusable && !ownInline) {
        throw new LatchkeyError(
          'invalid_argument',
          `${item.pointer}: policy ${item.id} belongs to another app; link reusable policies (/access/policies) by id`,
          { pointer: item.pointer },
        );
      }
      if (policy.connectionRules?.ssh === undefined) {
        throw new LatchkeyError(
          'invalid_argument',
          `${item.pointer}: policy ${item.id} has no connection_rules.ssh; an infrastructure app's policies must say which UNIX usernames they grant (add connection_rules to the policy)`,
          { pointer: item.pointer },
        );
      }
      links.push({ policyId: policy.id, precedence: item.precedence });
    } else {
      const created = await tx.policies.create(accountId, toPolicyInput(item.policy, false));
      links.push({ policyId: created.id, precedence: item.precedence });
    }
  }
  return links;
}

async function checkPortProtocols(
  tx: Pick<Repositories, 'apps'>,
  accountId: string,
  input: ValidAppInput,
  selfId: string | undefined,
): Promise<void> {
  const taken = new Map<number, { protocol: string; app: InfrastructureAppRecord }>();
  for (const app of await tx.apps.list(accountId)) {
    if (app.id === selfId) continue;
    for (const criterion of app.targetCriteria) {
      const { port, protocol } = criterion as { port?: unknown; protocol?: unknown };
      if (typeof port === 'number' && typeof protocol === 'string') taken.set(port, { protocol, app });
    }
  }
  input.targetCriteria.forEach((criterion, index) => {
    const other = taken.get(criterion.port);
    if (other !== undefined && other.protocol !== criterion.protocol) {
      const pointer = `/target_criteria/${index}/protocol`;
      throw new LatchkeyError(
        'conflict',
        `${pointer}: port ${criterion.port} is already used for ${other.protocol} by app ${other.app.id} (${other.app.name}); a port has one protocol`,
        { pointer },
      );
    }
  });
}
