/** Cloudflare's virtual networks, under /client/v4/accounts/{account_id}/teamnet/virtual_networks. */
import Type from 'typebox';
import {
  AccountAndIdParams,
  AccountParams,
  VirtualNetworkCreateSchema,
  VirtualNetworkListQuerySchema,
  VirtualNetworkPatchSchema,
  VirtualNetworkSchema,
} from '@latchkey/shared';
import {
  createVirtualNetwork,
  deleteVirtualNetwork,
  getVirtualNetwork,
  listVirtualNetworks,
  updateVirtualNetwork,
} from '../../../app/virtual-networks.js';
import { presentVirtualNetwork } from '../../../domain/api-representation.js';
import { PERMISSIONS } from '../../../domain/permissions.js';
import { pageOf } from '../list-page.js';
import { ACCOUNT_PREFIX } from './route-context.js';
import type { RouteContext } from './route-context.js';

const BASE = `${ACCOUNT_PREFIX}/teamnet/virtual_networks`;
const NetworkParams = AccountAndIdParams('virtual_network_id');
const tags = ['Virtual networks'];

export function virtualNetworkRoutes({ route, services }: RouteContext): void {
  route({
    method: 'GET',
    url: BASE,
    access: PERMISSIONS.zeroTrustRead,
    summary: 'List virtual networks',
    description:
      'Filters (ANDed): name, is_default_network (or its deprecated alias is_default), is_deleted, id. Paged (page, per_page, default 1000).',
    tags,
    params: AccountParams,
    querystring: VirtualNetworkListQuerySchema,
    result: Type.Array(VirtualNetworkSchema),
    paged: true,
    handle: async ({ caller, query }) =>
      pageOf((await listVirtualNetworks(services, caller, query)).map(presentVirtualNetwork), query, 1000),
  });

  route({
    method: 'POST',
    url: BASE,
    access: PERMISSIONS.zeroTrustEdit,
    summary: 'Create a virtual network',
    description: 'is_default_network: true makes it the default; the previous default stops being one.',
    tags,
    params: AccountParams,
    body: VirtualNetworkCreateSchema,
    result: VirtualNetworkSchema,
    handle: async ({ caller, body }) => ({
      result: presentVirtualNetwork(await createVirtualNetwork(services, caller, body)),
    }),
  });

  route({
    method: 'GET',
    url: `${BASE}/:virtual_network_id`,
    access: PERMISSIONS.zeroTrustRead,
    summary: 'Get a virtual network',
    tags,
    params: NetworkParams,
    result: VirtualNetworkSchema,
    handle: async ({ caller, params }) => ({
      result: presentVirtualNetwork(
        await getVirtualNetwork(services, caller, params.virtual_network_id.toLowerCase()),
      ),
    }),
  });

  route({
    method: 'PATCH',
    url: `${BASE}/:virtual_network_id`,
    access: PERMISSIONS.zeroTrustEdit,
    summary: 'Update a virtual network',
    tags,
    params: NetworkParams,
    body: VirtualNetworkPatchSchema,
    result: VirtualNetworkSchema,
    handle: async ({ caller, params, body }) => ({
      result: presentVirtualNetwork(
        await updateVirtualNetwork(services, caller, params.virtual_network_id.toLowerCase(), body),
      ),
    }),
  });

  route({
    method: 'DELETE',
    url: `${BASE}/:virtual_network_id`,
    access: PERMISSIONS.zeroTrustEdit,
    summary: 'Delete a virtual network',
    description: 'Refused (409) for the default network and for a network targets still use.',
    tags,
    params: NetworkParams,
    result: VirtualNetworkSchema,
    handle: async ({ caller, params }) => ({
      result: presentVirtualNetwork(
        await deleteVirtualNetwork(services, caller, params.virtual_network_id.toLowerCase()),
      ),
    }),
  });
}
