/**
 * The account's API tokens (Latchkey additions, shared/src/api/api-tokens.ts): list, read one, revoke
 * one, under /client/v4/accounts/{account_id}/latchkey/api_tokens. No answer ever holds a secret.
 */
import Type from 'typebox';
import { AccountAndIdParams, AccountParams, ApiTokenSchema } from '@latchkey/shared';
import { getApiToken, listApiTokens, revokeApiToken } from '../../../app/api-tokens.js';
import { presentApiToken } from '../../../domain/api-representation.js';
import { PERMISSIONS } from '../../../domain/permissions.js';
import { ACCOUNT_PREFIX } from './route-context.js';
import type { RouteContext } from './route-context.js';

const tags = ['API tokens'];

export function apiTokenRoutes({ route, services }: RouteContext): void {
  const tokens = `${ACCOUNT_PREFIX}/latchkey/api_tokens`;
  route({
    method: 'GET',
    url: tokens,
    access: PERMISSIONS.apiTokensRead,
    summary: "List the account's API tokens (never their secrets)",
    description: "Oldest first, revoked and expired ones included. Agents' credentials are not listed.",
    tags,
    params: AccountParams,
    result: Type.Array(ApiTokenSchema),
    handle: async ({ caller }) => {
      const now = services.clock();
      return { result: (await listApiTokens(services, caller)).map((t) => presentApiToken(t, now)) };
    },
  });
  route({
    method: 'GET',
    url: `${tokens}/:token_id`,
    access: PERMISSIONS.apiTokensRead,
    summary: 'One API token (never its secret)',
    tags,
    params: AccountAndIdParams('token_id'),
    result: ApiTokenSchema,
    handle: async ({ caller, params }) => ({
      result: presentApiToken(
        await getApiToken(services, caller, params.token_id.toLowerCase()),
        services.clock(),
      ),
    }),
  });
  route({
    method: 'DELETE',
    url: `${tokens}/:token_id`,
    access: PERMISSIONS.apiTokensEdit,
    summary: 'Revoke an API token',
    description:
      'Its next request gets 401, on every server process. Idempotent: revoking a revoked token answers it ' +
      'unchanged. Audit event `api_token.revoke`.',
    tags,
    params: AccountAndIdParams('token_id'),
    result: ApiTokenSchema,
    handle: async ({ caller, params }) => ({
      result: presentApiToken(
        await revokeApiToken(services, caller, params.token_id.toLowerCase()),
        services.clock(),
      ),
    }),
  });
}
