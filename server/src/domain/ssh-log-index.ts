/**
 * The index of an uploaded session log (issue 13, "an agent acts for its own target only"). The agent
 * sends the log's clear fields beside the sealed bytes, but who the session was (person, UNIX user) and
 * where (target) is what the server issued with the certificate, looked up by the session id of the
 * certificate's key id. The upload is refused, naming the mismatch, when:
 * - the uploading agent has no target;
 * - the server issued no certificate with that session id;
 * - the session was issued for another target than the agent's;
 * - the agent's claim of the target, the person or the UNIX user is not what was issued (an empty claim is
 *   no claim: the server's record is used).
 * The rest (addresses, pty, program, command, times, status) is the agent's: only it saw the session.
 * Pure: data in, data out.
 */
import type { SshLogUploadMetadata } from '@latchkey/shared';
import type { IssuedSessionRecord } from './records.js';

/** The index fields the server vouches for, from its own record of the certificate. */
export interface VouchedIndex {
  sessionId: string;
  userEmail: string;
  userId?: string;
  username: string;
  targetId: string;
  targetHostname: string;
}

export type IndexDecision = { ok: true; index: VouchedIndex } | { ok: false; mismatch: string };

export function vouchedIndex(
  agent: { targetId?: string },
  metadata: Pick<SshLogUploadMetadata, 'session_id' | 'user_email' | 'username' | 'target_id'>,
  issued: IssuedSessionRecord | undefined,
): IndexDecision {
  const session = metadata.session_id;
  const refuse = (mismatch: string): IndexDecision => ({ ok: false, mismatch });
  if (agent.targetId === undefined) {
    return refuse(
      `this agent has registered no target, so it has no sessions: session ${session} cannot be its log`,
    );
  }
  if (issued === undefined) {
    return refuse(
      `session ${session} was never issued by this server (no certificate names it); a log's session must ` +
        "be one issued for this agent's target",
    );
  }
  if (issued.targetId !== agent.targetId) {
    return refuse(
      `session ${session} was issued for target ${issued.targetId} (${issued.targetHostname}), not for this ` +
        `agent's target ${agent.targetId}`,
    );
  }
  const claimedTarget = metadata.target_id.trim().toLowerCase();
  if (claimedTarget !== '' && claimedTarget !== issued.targetId) {
    return refuse(
      `the log claims target ${metadata.target_id}, but session ${session} was issued for target ${issued.targetId}`,
    );
  }
  const claimedPerson = metadata.user_email.trim().toLowerCase();
  if (claimedPerson !== '' && claimedPerson !== issued.person) {
    return refuse(
      `the log claims person ${claimedPerson}, but session ${session} was issued to ${issued.person}`,
    );
  }
  if (metadata.username !== issued.username) {
    return refuse(
      `the log claims UNIX user ${metadata.username}, but session ${session} was issued for ${issued.username}`,
    );
  }
  return {
    ok: true,
    index: {
      sessionId: issued.sessionId,
      userEmail: issued.person,
      ...(issued.userId === undefined ? {} : { userId: issued.userId }),
      username: issued.username,
      targetId: issued.targetId,
      targetHostname: issued.targetHostname,
    },
  };
}
