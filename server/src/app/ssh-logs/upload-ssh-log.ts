/**
 * An agent uploads a session log (PUT /v1/agents/ssh_logs/{log_id}). The server keeps the sealed bytes as
 * they came (it cannot read them) and indexes them: who and where (person, session, target, UNIX user)
 * from what it issued with the session's certificate (issued_sessions, domain/ssh-log-index.ts), the rest
 * from the clear fields the agent sends beside them. A session not issued for the uploading agent's
 * target, or a claim that differs from what was issued, is refused (403, naming the mismatch).
 *
 * Checks, each a clear 4xx before anything is kept: the metadata header, the Content-Digest header's form,
 * what the server issued (403), that the body starts with a session-log header, and (once it has all
 * arrived) the Content-Digest against the body. The body is never held whole: it is written to the store
 * as it arrives (staged, sshLogs.stage), visible only once the last transaction links it, and deleted if
 * the upload is cut off or refused; a body that can change nothing (the same log again, or one the rules
 * below refuse) is only read and checked. Then, by log id (the contract's rules):
 * - nothing stored: stored (`created`);
 * - stored with the same SHA-256: nothing changes, the stored log is answered again (`unchanged`);
 * - stored `incomplete`: replaced, bytes and index (`replaced`);
 * - stored `complete` with another SHA-256: conflict (a complete log is never replaced);
 * - stored by another agent: conflict (an agent can never replace another host's log).
 * A create or replace is an `ssh_log.upload` audit event by the agent, in the same transaction.
 */
import { LatchkeyError, isLatchkeyError } from '@latchkey/shared';
import type { StagedSshLogFile, StoreOf } from '../ports/store.js';
import type { SshLogUploadMetadata } from '@latchkey/shared';
import type { SshLogRecord } from '../../domain/records.js';
import { vouchedIndex, type VouchedIndex } from '../../domain/ssh-log-index.js';
import { agentActor, agentOfCaller } from '../agents/agent-caller.js';
import { recordChange } from '../audit-trail.js';
import type { Caller } from '../caller.js';
import { CheckedLogBody } from './log-body.js';
import { parseContentDigest, parseLogMetadataHeader } from './upload-headers.js';

export interface SshLogUpload {
  logId: string;
  /** The raw `Latchkey-Log-Metadata` header. */
  metadataHeader: string | undefined;
  /** The raw `Content-Digest` header. */
  contentDigest: string | undefined;
  /** The log file as it arrives; it throws when the upload is cut off (or over the size limit). */
  body: AsyncIterable<Uint8Array>;
}

export type UploadOutcome = 'created' | 'replaced' | 'unchanged';

/**
 * What an upload needs: the uploading agent, the issued session that vouches for the log's index, the
 * session logs, and the audit trail the stored log goes to.
 */
export interface UploadSshLogDeps {
  store: StoreOf<'agents' | 'issuedSessions' | 'sshLogs' | 'auditEvents'>;
}

export async function uploadSshLog(
  services: UploadSshLogDeps,
  caller: Caller,
  upload: SshLogUpload,
): Promise<{ log: SshLogRecord; outcome: UploadOutcome }> {
  const agent = await agentOfCaller(services, caller);
  const metadata = parseLogMetadataHeader(upload.metadataHeader);
  const claimed = Buffer.from(parseContentDigest(upload.contentDigest));
  const decision = vouchedIndex(
    agent,
    metadata,
    await services.store.issuedSessions.get(agent.accountId, metadata.session_id),
  );
  if (!decision.ok) {
    throw new LatchkeyError('permission_denied', `session log ${upload.logId} refused: ${decision.mismatch}`);
  }

  const body = new CheckedLogBody(upload.body);
  const known = await services.store.sshLogs.get(agent.accountId, upload.logId);
  const storable =
    known === undefined ||
    (known.agentId === agent.id && known.status !== 'complete' && known.sha256 !== claimed.toString('hex'));
  let staged: StagedSshLogFile | undefined;
  let linked = false;
  try {
    if (storable) staged = await services.store.sshLogs.stage(agent.accountId, upload.logId, body.pieces());
    else await body.drain();
    const actual = Buffer.from(body.sha256());
    if (!claimed.equals(actual)) {
      throw new LatchkeyError(
        'invalid_argument',
        `the Content-Digest header says sha-256=:${claimed.toString('base64')}: but the ${body.size}-byte ` +
          `body's is sha-256=:${actual.toString('base64')}: (damaged or cut short in transit?)`,
      );
    }
    const result = await decideAndStore(services, agent, upload.logId, {
      index: decision.index,
      metadata,
      sha256: actual.toString('hex'),
      size: body.size,
      staged,
    });
    linked = result.outcome !== 'unchanged';
    return result;
  } finally {
    if (staged !== undefined && !linked) {
      // Best effort: what stays is swept as stale by a later upload.
      await services.store.sshLogs.discardStaged(staged).catch(() => undefined);
    }
  }
}

/** The contract's rules by log id, in one transaction with the audit event; retried when raced. */
async function decideAndStore(
  services: UploadSshLogDeps,
  agent: Awaited<ReturnType<typeof agentOfCaller>>,
  logId: string,
  received: {
    index: VouchedIndex;
    metadata: SshLogUploadMetadata;
    sha256: string;
    size: number;
    /** The bytes as staged; undefined when they were not kept (they could change nothing). */
    staged: StagedSshLogFile | undefined;
  },
): Promise<{ log: SshLogRecord; outcome: UploadOutcome }> {
  const { sha256, staged } = received;
  // Two uploads of one id at once: the store's compare-and-swap fails for one; it reads and decides again.
  for (let attempt = 1; ; attempt++) {
    let raced = false;
    try {
      return await services.store.transaction(async (tx) => {
        const stored = await tx.sshLogs.get(agent.accountId, logId);
        if (stored !== undefined) {
          if (stored.agentId !== agent.id) {
            throw new LatchkeyError(
              'conflict',
              `session log ${logId} was uploaded by another agent (${stored.agentId}); log ids are per host`,
            );
          }
          if (stored.sha256 === sha256) return { log: stored, outcome: 'unchanged' as const };
          if (stored.status === 'complete') {
            throw new LatchkeyError(
              'conflict',
              `session log ${logId} is stored complete with another SHA-256 (${stored.sha256}); ` +
                'a complete log is never replaced',
            );
          }
        }
        if (staged === undefined) {
          // Only when the stored log changed between the first look and now (another upload of this id).
          throw new LatchkeyError(
            'conflict',
            `session log ${logId} changed on the server while it was being uploaded; send it again`,
          );
        }
        const input = {
          id: logId,
          agentId: agent.id,
          ...indexFields(received.index, received.metadata),
          sizeBytes: received.size,
          sha256,
        };
        let log: SshLogRecord;
        try {
          log = await tx.sshLogs.put(agent.accountId, input, staged, stored);
        } catch (error) {
          raced = isLatchkeyError(error, 'conflict');
          throw error;
        }
        await recordChange(tx, agentActor(agent), {
          action: 'ssh_log.upload',
          resourceType: 'ssh_log',
          resourceId: log.id,
          ...(stored === undefined ? {} : { before: auditSnapshot(stored) }),
          after: auditSnapshot(log),
        });
        return { log, outcome: stored === undefined ? ('created' as const) : ('replaced' as const) };
      });
    } catch (error) {
      if (!raced || attempt >= 3) throw error;
    }
  }
}

/** The index: who and where as the server issued it, the rest as the agent saw the session. */
function indexFields(vouched: VouchedIndex, metadata: SshLogUploadMetadata) {
  return {
    ...vouched,
    ...(metadata.client_address === undefined ? {} : { clientAddress: metadata.client_address }),
    ...(metadata.server_address === undefined ? {} : { serverAddress: metadata.server_address }),
    pty: metadata.pty,
    programType: metadata.program_type,
    ...(metadata.command === undefined ? {} : { command: metadata.command }),
    sessionStartAt: new Date(metadata.session_start_datetime),
    ...(metadata.session_finish_datetime === undefined
      ? {}
      : { sessionFinishAt: new Date(metadata.session_finish_datetime) }),
    status: metadata.status,
    ...(metadata.error === undefined ? {} : { error: metadata.error }),
  };
}

/** What the audit trail keeps of a log: who, where, which bytes (never the command line). */
function auditSnapshot(log: SshLogRecord) {
  return {
    session_id: log.sessionId,
    user_email: log.userEmail,
    username: log.username,
    target_id: log.targetId,
    status: log.status,
    size_bytes: log.sizeBytes,
    sha256: log.sha256,
  };
}
