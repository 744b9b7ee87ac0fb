/**
 * `latchkey logs download LOG_ID`: the encrypted log file, checked against the Content-Digest the server
 * sends and the sha256 of its index entry (checked before the file is kept), written atomically 0600 (default `LOG_ID.sshlog`).
 */
import type { SshLog } from '@latchkey/shared';
import { resolveAccountId } from '../api-token-account.js';
import type { AuditApi } from './ports.js';

export async function downloadLog(
  api: AuditApi,
  request: {
    account?: string;
    logId: string;
    output?: string;
    onProgress: (received: number, total: number | undefined) => void;
  },
): Promise<{ output: string; bytes: number; log: SshLog }> {
  const accountId = await resolveAccountId(api, request.account);
  const log = await api.getLog(accountId, request.logId);
  const output = request.output ?? `${request.logId}.sshlog`;
  const { bytes } = await api.downloadLog(
    accountId,
    request.logId,
    output,
    log.sha256.toLowerCase(),
    request.onProgress,
  );
  return { output, bytes, log };
}
