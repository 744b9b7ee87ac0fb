/**
 * What auditors do with stored session logs: list them (newest session first, filtered, paged), read one's
 * index, and download its sealed bytes. Each download is an `ssh_log.download` audit event naming the
 * caller, written before the first byte is sent. Decryption happens on the auditor's machine only.
 */
import type { SshLogListQuery } from '@latchkey/shared';
import type { SshLogRecord } from '../../domain/records.js';
import { recordChange } from '../audit-trail.js';
import type { Caller } from '../caller.js';
import { found } from '../not-found.js';
import type { Page, StoreOf } from '../ports/store.js';

/** What the auditors' use cases need: the session logs, and the audit trail their downloads go to. */
export interface AuditorSshLogsDeps {
  store: StoreOf<'sshLogs' | 'auditEvents'>;
}

export async function listSshLogs(
  services: AuditorSshLogsDeps,
  caller: Caller,
  query: SshLogListQuery,
): Promise<Page<SshLogRecord>> {
  return services.store.sshLogs.list(caller.accountId, {
    ...(query.session_id === undefined ? {} : { sessionId: query.session_id }),
    ...(query.user_email === undefined ? {} : { userEmail: query.user_email }),
    ...(query.username === undefined ? {} : { username: query.username }),
    ...(query.target_id === undefined ? {} : { targetId: query.target_id }),
    ...(query.status === undefined ? {} : { status: query.status }),
    ...(query.since === undefined ? {} : { since: new Date(query.since) }),
    ...(query.until === undefined ? {} : { until: new Date(query.until) }),
    ...(query.page === undefined ? {} : { page: query.page }),
    ...(query.per_page === undefined ? {} : { perPage: query.per_page }),
  });
}

export async function getSshLog(
  services: AuditorSshLogsDeps,
  caller: Caller,
  id: string,
): Promise<SshLogRecord> {
  return found(await services.store.sshLogs.get(caller.accountId, id), 'session log', id);
}

export interface SshLogDownload {
  log: SshLogRecord;
  /** The stored file, piece by piece. */
  content: AsyncIterable<Uint8Array>;
}

export async function downloadSshLog(
  services: AuditorSshLogsDeps,
  caller: Caller,
  id: string,
): Promise<SshLogDownload> {
  const { log, content } = found(await services.store.sshLogs.open(caller.accountId, id), 'session log', id);
  await services.store.transaction((tx) =>
    recordChange(tx, caller, {
      action: 'ssh_log.download',
      resourceType: 'ssh_log',
      resourceId: log.id,
      after: { session_id: log.sessionId, size_bytes: log.sizeBytes, sha256: log.sha256 },
    }),
  );
  return { log, content };
}
