/** `latchkey admin join-token create`: a join token for enrolling hosts; its secret is in the answer, once. */
import type { JoinToken } from '@latchkey/shared';
import { resolveAccountId } from '../api-token-account.js';
import type { AdminApi } from './ports.js';

export async function createAdminJoinToken(
  api: AdminApi,
  request: { account?: string; name: string; maxUses?: number; expiresInSeconds?: number },
): Promise<JoinToken> {
  const accountId = await resolveAccountId(api, request.account);
  return api.createJoinToken(accountId, {
    name: request.name,
    ...(request.maxUses === undefined ? {} : { max_uses: request.maxUses }),
    ...(request.expiresInSeconds === undefined ? {} : { expires_in_seconds: request.expiresInSeconds }),
  });
}
