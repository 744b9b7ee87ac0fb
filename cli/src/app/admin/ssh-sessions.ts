/**
 * `latchkey admin sessions` and `admin sessions end SESSION_ID`: the SSH sessions open at agents' SSH
 * fronts, as their latest heartbeats report them, and ending one (the server orders its agent to close
 * it, which it does within seconds).
 */
import { LatchkeyError, isLatchkeyError, type SshSession, type SshSessionEnd } from '@latchkey/shared';
import { checkSessionId } from '../../domain/admin/admin-arguments.js';
import { resolveAccountId } from '../api-token-account.js';
import type { SshSessionsApi } from './ports.js';

export async function listAdminSshSessions(
  api: SshSessionsApi,
  request: { account?: string },
): Promise<SshSession[]> {
  const accountId = await resolveAccountId(api, request.account);
  return api.listSshSessions(accountId);
}

export async function endAdminSshSession(
  api: SshSessionsApi,
  request: { account?: string; sessionId: string },
): Promise<SshSessionEnd> {
  const sessionId = checkSessionId(request.sessionId);
  const accountId = await resolveAccountId(api, request.account);
  try {
    return await api.endSshSession(accountId, sessionId);
  } catch (error) {
    if (!isLatchkeyError(error, 'not_found')) throw error;
    throw new LatchkeyError(
      'not_found',
      `${error.message} (no live session has the id ${sessionId}: it may have ended already; ` +
        '`latchkey admin sessions` lists the live ones)',
      { cause: error },
    );
  }
}
