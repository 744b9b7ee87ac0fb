/**
 * When a spooled session log goes to the server, and what the server is told about it in clear.
 *
 * - `complete` logs go at once: nothing will ever be added to them.
 * - `incomplete` logs wait a grace period after their last change (`updated_at`), so that a log still
 *   being marked is not sent half-way; the server replaces an `incomplete` log with a later upload under
 *   the same id. (Agents before the front had recorders that could resume such a log.)
 * - `recording` logs never go.
 * - A log the server refused for good (a conflict: another log under that id; or the server rejects it)
 *   is held, kept in the spool, and offered again only after `heldForMs`, so it is never retried hot.
 *
 * The metadata comes from what the spool knows: the identity the front wrote (the session, the person
 * from the certificate it checked, the target), the PTY, the start, and for a complete log the exit time
 * and any error the writer's header carries; for an incomplete one the reason. The UNIX user is the one
 * the front logged in as; a log whose user is only claimed (a spool of an agent before the front) says so
 * in `error`. Every field is cut to the length the server accepts (shared/src/api/ssh-logs.ts).
 */
import type { SshLogUploadMetadata } from '@latchkey/shared/api/ssh-logs';
import type { PtyMetadata, SessionLogMetadata } from '@latchkey/shared/session-log/log-metadata';
import type { SessionIdentity } from '@latchkey/shared/session-log/log-records';

export const DEFAULT_INCOMPLETE_GRACE_MS = 2 * 60 * 1000;
/** How long a log the server refused for good waits before it is offered again. */
export const DEFAULT_HELD_FOR_MS = 60 * 60 * 1000;

/** What the uploader reads of a spooled log (the spool's state file; spool/spool-store.ts). */
export interface SpooledLogFacts {
  readonly log_id: string;
  readonly status: 'recording' | 'complete' | 'incomplete';
  /** Unix seconds. */
  readonly started_at: number;
  readonly pty: PtyMetadata | null;
  readonly identity: SessionIdentity | null;
  readonly unix_user: string;
  /** unix_user is what the agent knows; false: only what an old recorder claimed; absent: an older spool. */
  readonly unix_user_verified?: boolean;
  readonly reason?: string;
  readonly updated_at: string;
}

export type UploadDecision =
  | { readonly action: 'upload' }
  | { readonly action: 'wait'; readonly untilMs: number; readonly why: string }
  | { readonly action: 'skip'; readonly why: string };

export interface UploadPolicy {
  readonly incompleteGraceMs: number;
}

/** `heldUntilMs`: when a log the server refused may be offered again (undefined: it was not refused). */
export function decideUpload(
  log: SpooledLogFacts,
  nowMs: number,
  policy: UploadPolicy,
  heldUntilMs?: number,
): UploadDecision {
  if (log.status === 'recording') return { action: 'skip', why: 'still being recorded' };
  if (heldUntilMs !== undefined && heldUntilMs > nowMs) {
    return { action: 'wait', untilMs: heldUntilMs, why: 'the server refused it; offered again later' };
  }
  if (log.status === 'complete') return { action: 'upload' };
  const updatedMs = Date.parse(log.updated_at);
  const readyMs = (Number.isFinite(updatedMs) ? updatedMs : 0) + policy.incompleteGraceMs;
  if (readyMs > nowMs) {
    return { action: 'wait', untilMs: readyMs, why: 'incomplete: it may still change' };
  }
  return { action: 'upload' };
}

/**
 * The index fields sent with the upload. `header` is the writer's metadata (complete logs), for the
 * finish time and the error it recorded.
 */
export function uploadMetadataOf(log: SpooledLogFacts, header?: SessionLogMetadata): SshLogUploadMetadata {
  const identity = log.identity;
  // The known UNIX user wins over what the identity says; a claim alone is flagged.
  const username = cut(
    (log.unix_user_verified === true ? log.unix_user : identity?.principal || log.unix_user) || 'unknown',
    64,
  );
  const unverified =
    log.unix_user_verified === false
      ? 'the agent could not verify the UNIX user; it is as the session claimed'
      : undefined;
  const exit = header?.exit_data ?? null;
  const finishedAt =
    log.status === 'complete' && exit !== null ? new Date(exit.timestamp * 1000) : new Date(log.updated_at);
  const ended =
    log.status === 'incomplete' ? (log.reason ?? 'the log was not finished') : (exit?.error_msg ?? undefined);
  const error =
    [ended, unverified].filter((text) => text !== undefined && text !== '').join('; ') || undefined;
  const programType = identity?.program_type;
  return {
    session_id: cut(identity?.session_id || sessionIdOfLogId(log.log_id), 128),
    user_email: cut(identity?.user_email ?? '', 320),
    username,
    target_id: cut(identity?.target_id ?? '', 64),
    ...optional('target_hostname', identity?.target_hostname, 253),
    ...optional('client_address', identity?.client_address, 100),
    ...optional('server_address', identity?.server_address, 100),
    pty: log.pty !== null,
    program_type:
      programType === 'exec' || programType === 'subsystem' || programType === 'shell'
        ? programType
        : 'shell',
    ...optional('command', identity?.command, 4096),
    session_start_datetime: new Date(log.started_at * 1000).toISOString(),
    ...(Number.isFinite(finishedAt.getTime()) ? { session_finish_datetime: finishedAt.toISOString() } : {}),
    status: log.status === 'complete' ? 'complete' : 'incomplete',
    ...optional('error', error ?? undefined, 2000),
  };
}

/** A log id starts with its session id (spool-naming.ts). */
function sessionIdOfLogId(logId: string): string {
  return logId.split('.')[0] || logId;
}

function optional<K extends string>(
  key: K,
  value: string | undefined,
  maxLength: number,
): { [P in K]?: string } {
  return (value === undefined || value === '' ? {} : { [key]: cut(value, maxLength) }) as {
    [P in K]?: string;
  };
}

function cut(text: string, maxLength: number): string {
  return text.length <= maxLength ? text : text.slice(0, maxLength);
}
