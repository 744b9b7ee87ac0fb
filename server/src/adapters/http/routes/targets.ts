/** Cloudflare's infrastructure targets, under /client/v4/accounts/{account_id}/infrastructure/targets. */
import Type from 'typebox';
import {
  AccountAndIdParams,
  AccountParams,
  TargetBatchInputSchema,
  TargetIdsBodySchema,
  TargetInputSchema,
  TargetListQuerySchema,
  TargetSchema,
  resultInfo,
  validateTargetInput,
  validateTargetListQuery,
} from '@latchkey/shared';
import {
  createTarget,
  createTargets,
  deleteTarget,
  deleteTargets,
  getTarget,
  listTargets,
  replaceTarget,
} from '../../../app/targets.js';
import { presentTarget } from '../../../domain/api-representation.js';
import { PERMISSIONS } from '../../../domain/permissions.js';
import { ACCOUNT_PREFIX } from './route-context.js';
import type { RouteContext } from './route-context.js';

const BASE = `${ACCOUNT_PREFIX}/infrastructure/targets`;
const TargetParams = AccountAndIdParams('target_id');
const tags = ['Infrastructure targets'];
const read = PERMISSIONS.zeroTrustRead;
const edit = PERMISSIONS.zeroTrustEdit;

export function targetRoutes({ route, services }: RouteContext): void {
  route({
    method: 'POST',
    url: BASE,
    access: edit,
    summary: 'Create a target',
    description:
      "A missing virtual_network_id means the account's default network. An (IP, network) pair belongs to one target (409 otherwise).",
    tags,
    params: AccountParams,
    body: TargetInputSchema,
    result: TargetSchema,
    handle: async ({ caller, body }) => ({
      result: presentTarget(await createTarget(services, caller, validateTargetInput(body))),
    }),
  });

  route({
    method: 'GET',
    url: BASE,
    access: read,
    summary: 'List targets',
    description: 'All filters are optional and ANDed; repeat ips and target_ids (ips=a&ips=b) for any-of.',
    tags,
    params: AccountParams,
    querystring: TargetListQuerySchema,
    result: Type.Array(TargetSchema),
    paged: true,
    handle: async ({ caller, query }) => {
      validateTargetListQuery(query);
      const page = await listTargets(services, caller, query);
      return {
        result: page.items.map(presentTarget),
        resultInfo: resultInfo(page.page, page.perPage, page.items.length, page.totalCount),
      };
    },
  });

  route({
    method: 'PUT',
    url: `${BASE}/batch`,
    access: edit,
    summary: 'Create several targets (all or nothing)',
    tags,
    params: AccountParams,
    body: TargetBatchInputSchema,
    result: Type.Array(TargetSchema),
    handle: async ({ caller, body }) => {
      const inputs = body.map((item, index) => validateTargetInput(item, `/${index}`));
      return { result: (await createTargets(services, caller, inputs)).map(presentTarget) };
    },
  });

  // POST batch_delete, and the deprecated DELETE batch that Cloudflare still serves, behave the same.
  for (const [method, url, summary] of [
    ['POST', `${BASE}/batch_delete`, 'Delete several targets'],
    ['DELETE', `${BASE}/batch`, 'Delete several targets (deprecated: use POST batch_delete)'],
  ] as const) {
    route({
      method,
      url,
      access: edit,
      summary,
      tags,
      params: AccountParams,
      body: TargetIdsBodySchema,
      result: Type.Null(),
      handle: async ({ caller, body }) => {
        await deleteTargets(services, caller, body.target_ids);
        return { result: null };
      },
    });
  }

  route({
    method: 'GET',
    url: `${BASE}/:target_id`,
    access: read,
    summary: 'Get a target',
    tags,
    params: TargetParams,
    result: TargetSchema,
    handle: async ({ caller, params }) => ({
      result: presentTarget(await getTarget(services, caller, params.target_id.toLowerCase())),
    }),
  });

  route({
    method: 'PUT',
    url: `${BASE}/:target_id`,
    access: edit,
    summary: 'Replace a target',
    tags,
    params: TargetParams,
    body: TargetInputSchema,
    result: TargetSchema,
    handle: async ({ caller, params, body }) => ({
      result: presentTarget(
        await replaceTarget(services, caller, params.target_id.toLowerCase(), validateTargetInput(body)),
      ),
    }),
  });

  route({
    method: 'DELETE',
    url: `${BASE}/:target_id`,
    access: edit,
    summary: 'Delete a target',
    tags,
    params: TargetParams,
    result: Type.Null(),
    handle: async ({ caller, params }) => {
      await deleteTarget(services, caller, params.target_id.toLowerCase());
      return { result: null };
    },
  });
}
