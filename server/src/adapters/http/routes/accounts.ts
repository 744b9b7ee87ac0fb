/**
 * Cloudflare's `GET /client/v4/accounts`, `GET /client/v4/accounts/{account_id}`, and the two token
 * verifications (`/user/tokens/verify`, `/accounts/{account_id}/tokens/verify`): what a token can see
 * and is. A token belongs to one account, so the list holds that one account.
 */
import Type from 'typebox';
import { AccountListQuerySchema, AccountParams, AccountSchema } from '@latchkey/shared';
import { presentAccount } from '../../../domain/api-representation.js';
import { found } from '../../../app/not-found.js';
import { pageOf } from '../list-page.js';
import type { RouteContext } from './route-context.js';

const TokenStatus = Type.Object({ id: Type.String(), status: Type.Literal('active') });

export function accountRoutes({ route, services }: RouteContext): void {
  route({
    method: 'GET',
    url: '/client/v4/accounts',
    access: null,
    summary: 'List the accounts this token can access',
    description:
      'Filters: name (exact, case-insensitive); direction orders by name. Paged (page, per_page, default 20).',
    tags: ['Accounts'],
    querystring: AccountListQuerySchema,
    result: Type.Array(AccountSchema),
    paged: true,
    handle: async ({ caller, query }) => {
      const account = await services.store.accounts.get(caller.accountId);
      const accounts = (account === undefined ? [] : [presentAccount(account)]).filter(
        (a) => query.name === undefined || a.name.toLowerCase() === query.name.toLowerCase(),
      );
      if (query.direction === 'desc') accounts.reverse();
      return pageOf(accounts, query, 20);
    },
  });

  route({
    method: 'GET',
    url: '/client/v4/accounts/:account_id',
    access: null,
    summary: 'Get an account',
    tags: ['Accounts'],
    params: AccountParams,
    result: AccountSchema,
    handle: async ({ caller }) => ({
      result: presentAccount(
        found(await services.store.accounts.get(caller.accountId), 'account', caller.accountId),
      ),
    }),
  });

  route({
    method: 'GET',
    url: '/client/v4/user/tokens/verify',
    access: null,
    summary: 'Verify the API token (Cloudflare-compatible)',
    tags: ['Accounts'],
    result: TokenStatus,
    handle: async ({ caller }) => ({ result: { id: caller.tokenId, status: 'active' } }),
  });

  route({
    method: 'GET',
    url: '/client/v4/accounts/:account_id/tokens/verify',
    access: null,
    summary: "Verify an account's API token (Cloudflare-compatible)",
    description: 'A token of another account is refused (403), as on every account route.',
    tags: ['Accounts'],
    params: AccountParams,
    result: TokenStatus,
    handle: async ({ caller }) => ({ result: { id: caller.tokenId, status: 'active' } }),
  });
}
