/**
 * `latchkey admin targets [--hostname H]`, `targets add HOSTNAME --ip ADDR [--vnet NAME]` and
 * `targets remove ID|HOSTNAME`: the account's targets over the Cloudflare-compatible API.
 */
import { LatchkeyError, isLatchkeyError, type Target, type TargetInputBody } from '@latchkey/shared';
import { isUuid } from '../../domain/admin/admin-arguments.js';
import { resolveAccountId } from '../api-token-account.js';
import { collectPages } from './collect-pages.js';
import type { AdminApi } from './ports.js';

const ALL = 100_000;

/** The targets (all, or those with this hostname) and the names of their virtual networks by id. */
export async function listAdminTargets(
  api: AdminApi,
  request: { account?: string; hostname?: string },
): Promise<{ targets: Target[]; networkNames: Map<string, string> }> {
  const accountId = await resolveAccountId(api, request.account);
  const targets = await collectPages(
    (page, per_page) =>
      api.listTargets(accountId, {
        ...(request.hostname === undefined ? {} : { hostname: request.hostname }),
        page,
        per_page,
      }),
    ALL,
  );
  const networks = await api.listVirtualNetworks(accountId, {});
  return { targets, networkNames: new Map(networks.map((network) => [network.id, network.name])) };
}

export async function addAdminTarget(
  api: AdminApi,
  request: { account?: string; hostname: string; ip: { ipv4?: string; ipv6?: string }; vnet?: string },
): Promise<Target> {
  const accountId = await resolveAccountId(api, request.account);
  let virtualNetworkId: string | undefined;
  if (request.vnet !== undefined) {
    const found = await api.listVirtualNetworks(accountId, { name: request.vnet });
    const named = found.filter((network) => network.name === request.vnet);
    if (named.length === 0) {
      throw new LatchkeyError('not_found', `no virtual network is named ${JSON.stringify(request.vnet)}`, {
        pointer: '--vnet',
      });
    }
    virtualNetworkId = named[0]!.id;
  }
  const entry = (ip_addr: string) => ({
    ip_addr,
    ...(virtualNetworkId === undefined ? {} : { virtual_network_id: virtualNetworkId }),
  });
  const body: TargetInputBody = {
    hostname: request.hostname,
    ip: {
      ...(request.ip.ipv4 === undefined ? {} : { ipv4: entry(request.ip.ipv4) }),
      ...(request.ip.ipv6 === undefined ? {} : { ipv6: entry(request.ip.ipv6) }),
    },
  };
  return api.createTarget(accountId, body);
}

/** Removes the target with this id, or the only one with this hostname; answers what was removed. */
export async function removeAdminTarget(
  api: AdminApi,
  request: { account?: string; target: string },
): Promise<Target> {
  const accountId = await resolveAccountId(api, request.account);
  const byId = isUuid(request.target);
  const matches = byId
    ? await api.getTarget(accountId, request.target.toLowerCase()).then(
        (target) => [target],
        (error: unknown) => {
          if (isLatchkeyError(error) && error.code === 'not_found') return [];
          throw error;
        },
      )
    : await collectPages(
        (page, per_page) => api.listTargets(accountId, { hostname: request.target, page, per_page }),
        ALL,
      );
  if (matches.length === 0) {
    throw new LatchkeyError(
      'not_found',
      `no target ${byId ? 'has the id' : 'is named'} ${request.target} (see \`latchkey admin targets\`)`,
    );
  }
  if (matches.length > 1) {
    throw new LatchkeyError(
      'invalid_argument',
      `${matches.length} targets are named ${request.target} (${matches.map((t) => t.id).join(', ')}): say which by id`,
    );
  }
  await api.deleteTarget(accountId, matches[0]!.id);
  return matches[0]!;
}
