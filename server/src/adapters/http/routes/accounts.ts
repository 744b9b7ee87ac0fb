/** `GET /client/v4/accounts` and `GET /client/v4/user/tokens/verify`: what a token can see and is. */
import Type from 'typebox';
import { AccountSchema } from '@latchkey/shared';
import { presentAccount } from '../../../domain/api-representation.js';
import type { RouteContext } from './route-context.js';

export function accountRoutes({ route, services }: RouteContext): void {
  route({
    method: 'GET',
    url: '/client/v4/accounts',
    access: null,
    summary: 'List the accounts this token can access',
    tags: ['Accounts'],
    result: Type.Array(AccountSchema),
    paged: true,
    handle: async ({ caller }) => {
      const account = await services.store.accounts.get(caller.accountId);
      const accounts = account === undefined ? [] : [presentAccount(account)];
      return {
        result: accounts,
        resultInfo: {
          page: 1,
          per_page: 20,
          count: accounts.length,
          total_count: accounts.length,
          total_pages: 1,
        },
      };
    },
  });

  route({
    method: 'GET',
    url: '/client/v4/user/tokens/verify',
    access: null,
    summary: 'Verify the API token (Cloudflare-compatible)',
    tags: ['Accounts'],
    result: Type.Object({ id: Type.String(), status: Type.Literal('active') }),
    handle: async ({ caller }) => ({ result: { id: caller.tokenId, status: 'active' } }),
  });
}
