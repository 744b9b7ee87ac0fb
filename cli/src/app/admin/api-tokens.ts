/**
 * `latchkey admin tokens`, `admin tokens show TOKEN_ID` and `admin tokens revoke TOKEN_ID`: the account's
 * API tokens by id, name, permissions and dates (never a secret: the server keeps only their digests), and
 * revoking one, which the server refuses on its very next request everywhere.
 */
import { LatchkeyError, isLatchkeyError, type ApiToken } from '@latchkey/shared';
import { checkTokenId } from '../../domain/admin/admin-arguments.js';
import { resolveAccountId } from '../api-token-account.js';
import type { ApiTokensApi } from './ports.js';

export async function listAdminApiTokens(
  api: ApiTokensApi,
  request: { account?: string },
): Promise<ApiToken[]> {
  const accountId = await resolveAccountId(api, request.account);
  return api.listApiTokens(accountId);
}

export async function showAdminApiToken(
  api: ApiTokensApi,
  request: { account?: string; tokenId: string },
): Promise<ApiToken> {
  const tokenId = checkTokenId(request.tokenId);
  const accountId = await resolveAccountId(api, request.account);
  return explainNotFound(() => api.getApiToken(accountId, tokenId), tokenId);
}

export async function revokeAdminApiToken(
  api: ApiTokensApi,
  request: { account?: string; tokenId: string },
): Promise<ApiToken> {
  const tokenId = checkTokenId(request.tokenId);
  const accountId = await resolveAccountId(api, request.account);
  return explainNotFound(() => api.revokeApiToken(accountId, tokenId), tokenId);
}

async function explainNotFound(call: () => Promise<ApiToken>, tokenId: string): Promise<ApiToken> {
  try {
    return await call();
  } catch (error) {
    if (!isLatchkeyError(error, 'not_found')) throw error;
    throw new LatchkeyError(
      'not_found',
      `${error.message} (no API token of this account has the id ${tokenId}; ` +
        "`latchkey admin tokens` lists them; agents' credentials are managed with `latchkey admin agents`)",
      { cause: error },
    );
  }
}
