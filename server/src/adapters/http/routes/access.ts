/** Access apps, reusable policies and groups, under /client/v4/accounts/{account_id}/access/. */
import Type from 'typebox';
import {
  ACCESS_RULE_SELECTOR_NAMES,
  AccessGroupInputSchema,
  AccessGroupListQuerySchema,
  AccessGroupSchema,
  AppListQuerySchema,
  AccountAndIdParams,
  AccountParams,
  IdResult,
  InfrastructureAppInputSchema,
  InfrastructureAppSchema,
  PolicyInputSchema,
  PolicyListQuerySchema,
  PolicySchema,
  validateAccessGroupInput,
  validateAppInput,
  validatePolicyInput,
} from '@latchkey/shared';
import {
  createAccessGroup,
  deleteAccessGroup,
  getAccessGroup,
  listAccessGroups,
  replaceAccessGroup,
} from '../../../app/access-groups.js';
import {
  createApp,
  deleteApp,
  getApp,
  listApps,
  presentAppWithPolicies,
  replaceApp,
} from '../../../app/access-apps.js';
import {
  createPolicy,
  deletePolicy,
  getPolicy,
  listPolicies,
  replacePolicy,
} from '../../../app/access-policies.js';
import { presentAccessGroup, presentPolicy } from '../../../domain/api-representation.js';
import { PERMISSIONS } from '../../../domain/permissions.js';
import { pageOf } from '../list-page.js';
import { ACCOUNT_PREFIX } from './route-context.js';
import type { RouteContext } from './route-context.js';

const read = PERMISSIONS.appsAndPoliciesRead;
const edit = PERMISSIONS.appsAndPoliciesEdit;

export function accessAppRoutes({ route, services }: RouteContext): void {
  const base = `${ACCOUNT_PREFIX}/access/apps`;
  const params = AccountAndIdParams('app_id');
  const tags = ['Access apps'];
  const appDescription =
    'type "infrastructure": target_criteria (hostnames, port, protocol SSH) and policies, inline or reusable ' +
    '(by id or {id, precedence}). Rules: include (any of), require (all of), exclude (none of) with the ' +
    `selectors ${ACCESS_RULE_SELECTOR_NAMES.join(', ')}. decision is "allow" only.`;

  route({
    method: 'POST',
    url: base,
    access: edit,
    summary: 'Create an infrastructure app',
    description: appDescription,
    tags,
    params: AccountParams,
    body: InfrastructureAppInputSchema,
    result: InfrastructureAppSchema,
    handle: async ({ caller, body }) => ({
      result: presentAppWithPolicies(await createApp(services, caller, validateAppInput(body))),
    }),
  });
  route({
    method: 'GET',
    url: base,
    access: read,
    summary: 'List infrastructure apps',
    description:
      'Filters (ANDed): name (a case-insensitive substring; the whole name with exact=true), aud, search (a ' +
      'substring of name or aud), target_attributes=hostname=<name>. domain is refused: infrastructure apps ' +
      'have none. Paged (page, per_page, default 25).',
    tags,
    params: AccountParams,
    querystring: AppListQuerySchema,
    result: Type.Array(InfrastructureAppSchema),
    paged: true,
    handle: async ({ caller, query }) =>
      pageOf((await listApps(services, caller, query)).map(presentAppWithPolicies), query, 25),
  });
  route({
    method: 'GET',
    url: `${base}/:app_id`,
    access: read,
    summary: 'Get an infrastructure app',
    tags,
    params,
    result: InfrastructureAppSchema,
    handle: async ({ caller, params: p }) => ({
      result: presentAppWithPolicies(await getApp(services, caller, p.app_id.toLowerCase())),
    }),
  });
  route({
    method: 'PUT',
    url: `${base}/:app_id`,
    access: edit,
    summary: 'Replace an infrastructure app',
    description: appDescription,
    tags,
    params,
    body: InfrastructureAppInputSchema,
    result: InfrastructureAppSchema,
    handle: async ({ caller, params: p, body }) => ({
      result: presentAppWithPolicies(
        await replaceApp(services, caller, p.app_id.toLowerCase(), validateAppInput(body)),
      ),
    }),
  });
  route({
    method: 'DELETE',
    url: `${base}/:app_id`,
    access: edit,
    summary: 'Delete an infrastructure app (and its inline policies)',
    tags,
    params,
    result: IdResult,
    handle: async ({ caller, params: p }) => ({
      result: { id: (await deleteApp(services, caller, p.app_id.toLowerCase())).id },
    }),
  });
}

export function accessPolicyRoutes({ route, services }: RouteContext): void {
  const base = `${ACCOUNT_PREFIX}/access/policies`;
  const params = AccountAndIdParams('policy_id');
  const tags = ['Access policies'];

  route({
    method: 'POST',
    url: base,
    access: edit,
    summary: 'Create a reusable policy',
    tags,
    params: AccountParams,
    body: PolicyInputSchema,
    result: PolicySchema,
    handle: async ({ caller, body }) => ({
      result: presentPolicy(await createPolicy(services, caller, validatePolicyInput(body))),
    }),
  });
  route({
    method: 'GET',
    url: base,
    access: read,
    summary: 'List reusable policies',
    description: 'Paged (page, per_page, default 25).',
    tags,
    params: AccountParams,
    querystring: PolicyListQuerySchema,
    result: Type.Array(PolicySchema),
    paged: true,
    handle: async ({ caller, query }) =>
      pageOf(
        (await listPolicies(services, caller)).map((p) => presentPolicy(p)),
        query,
        25,
      ),
  });
  route({
    method: 'GET',
    url: `${base}/:policy_id`,
    access: read,
    summary: 'Get a reusable policy',
    tags,
    params,
    result: PolicySchema,
    handle: async ({ caller, params: p }) => ({
      result: presentPolicy(await getPolicy(services, caller, p.policy_id.toLowerCase())),
    }),
  });
  route({
    method: 'PUT',
    url: `${base}/:policy_id`,
    access: edit,
    summary: 'Replace a reusable policy',
    tags,
    params,
    body: PolicyInputSchema,
    result: PolicySchema,
    handle: async ({ caller, params: p, body }) => ({
      result: presentPolicy(
        await replacePolicy(services, caller, p.policy_id.toLowerCase(), validatePolicyInput(body)),
      ),
    }),
  });
  route({
    method: 'DELETE',
    url: `${base}/:policy_id`,
    access: edit,
    summary: 'Delete a reusable policy (refused while an app links it)',
    tags,
    params,
    result: IdResult,
    handle: async ({ caller, params: p }) => ({
      result: { id: (await deletePolicy(services, caller, p.policy_id.toLowerCase())).id },
    }),
  });
}

export function accessGroupRoutes({ route, services }: RouteContext): void {
  const base = `${ACCOUNT_PREFIX}/access/groups`;
  const params = AccountAndIdParams('group_id');
  const tags = ['Access groups'];

  route({
    method: 'POST',
    url: base,
    access: edit,
    summary: 'Create an access group',
    tags,
    params: AccountParams,
    body: AccessGroupInputSchema,
    result: AccessGroupSchema,
    handle: async ({ caller, body }) => ({
      result: presentAccessGroup(
        await createAccessGroup(services, caller, body, validateAccessGroupInput(body)),
      ),
    }),
  });
  route({
    method: 'GET',
    url: base,
    access: read,
    summary: 'List access groups',
    description:
      'Filters (ANDed): name (the whole name, case-insensitive), search (a substring of it). Paged (page, per_page, default 25).',
    tags,
    params: AccountParams,
    querystring: AccessGroupListQuerySchema,
    result: Type.Array(AccessGroupSchema),
    paged: true,
    handle: async ({ caller, query }) =>
      pageOf((await listAccessGroups(services, caller, query)).map(presentAccessGroup), query, 25),
  });
  route({
    method: 'GET',
    url: `${base}/:group_id`,
    access: read,
    summary: 'Get an access group',
    tags,
    params,
    result: AccessGroupSchema,
    handle: async ({ caller, params: p }) => ({
      result: presentAccessGroup(await getAccessGroup(services, caller, p.group_id.toLowerCase())),
    }),
  });
  route({
    method: 'PUT',
    url: `${base}/:group_id`,
    access: edit,
    summary: 'Replace an access group',
    tags,
    params,
    body: AccessGroupInputSchema,
    result: AccessGroupSchema,
    handle: async ({ caller, params: p, body }) => ({
      result: presentAccessGroup(
        await replaceAccessGroup(
          services,
          caller,
          p.group_id.toLowerCase(),
          body,
          validateAccessGroupInput(body),
        ),
      ),
    }),
  });
  route({
    method: 'DELETE',
    url: `${base}/:group_id`,
    access: edit,
    summary: 'Delete an access group (refused while a policy or group refers to it)',
    tags,
    params,
    result: IdResult,
    handle: async ({ caller, params: p }) => ({
      result: { id: (await deleteAccessGroup(services, caller, p.group_id.toLowerCase())).id },
    }),
  });
}
