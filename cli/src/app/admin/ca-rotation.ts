/**
 * `latchkey admin ca-rotation [status]` and `admin ca-rotation start|switch|complete|cancel`: where the
 * rotation of the account's SSH CA stands, and moving it on (docs/admin-guide.md, section 6). The server
 * decides whether a phase may move; its refusal says why (agents not caught up, certificates of the old CA
 * still valid until a time).
 */
import type { CaRotation, CaRotationActionBody } from '@latchkey/shared';
import { resolveAccountId } from '../api-token-account.js';
import type { CaRotationApi } from './ports.js';

export async function showCaRotation(api: CaRotationApi, request: { account?: string }): Promise<CaRotation> {
  return api.getCaRotation(await resolveAccountId(api, request.account));
}

export async function moveCaRotation(
  api: CaRotationApi,
  request: { account?: string; action: CaRotationActionBody['action']; force?: boolean },
): Promise<CaRotation> {
  const accountId = await resolveAccountId(api, request.account);
  return api.moveCaRotation(accountId, {
    action: request.action,
    ...(request.force === true ? { force: true } : {}),
  });
}
