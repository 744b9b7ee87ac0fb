/**
 * Names of the spool's files. Each recorded channel gets its own log id: one certificate (one Latchkey
 * session id) can open several channels and connections (scp, rsync, ControlMaster), each recorded to its own log.
 * The id starts with the session id, so an operator can find a session's logs by name, then the start
 * time and a random part; it holds only `[A-Za-z0-9._-]`, so it is safe as a file name.
 */

const LOG_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function newLogId(sessionId: string, startedAt: Date, randomHex: string): string {
  const session = sessionId.replace(/[^A-Za-z0-9-]/g, '').slice(0, 64) || 'session';
  const time = startedAt
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${session}.${time}.${randomHex.replace(/[^0-9a-f]/g, '').slice(0, 16)}`;
}

export function isLogId(value: string): boolean {
  return LOG_ID.test(value) && !value.includes('..');
}

export interface SpoolFileNames {
  /** The sealed chunks as they arrive, appended and fsynced. */
  readonly chunks: string;
  /** The log's state (recording, complete, incomplete), its metadata and the writer's header. */
  readonly state: string;
}

export function spoolFileNames(logId: string): SpoolFileNames {
  if (!isLogId(logId)) throw new Error(`not a log id: ${JSON.stringify(logId)}`);
  return { chunks: `${logId}.chunks`, state: `${logId}.json` };
}

/** The log id a spool file belongs to, or null for files that are not the spool's. */
export function logIdOfStateFile(fileName: string): string | null {
  if (!fileName.endsWith('.json')) return null;
  const id = fileName.slice(0, -'.json'.length);
  return isLogId(id) ? id : null;
}
