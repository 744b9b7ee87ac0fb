/**
 * Which force-command a certificate for a target without an SSH front carries (issue 6), decided from
 * what is stored; no I/O. Fronted targets get none: certificate-binding.ts decides which case applies.
 *
 * - The account keeps no session-log key: none; sessions are not recorded (removing the key stops
 *   logging for new connections, as in Cloudflare's product).
 * - Otherwise every session is recorded, never silently not: the command is the recorder that the
 *   target's agent reported in its last heartbeat (the most recently seen agent, if a host enrolled
 *   twice), so a host whose recorder is not `latchkey-agent record` on PATH still records; without such a
 *   report (no agent, or one that has not said yet) it is the server's --recorder-command. A target
 *   without any recorder then refuses the login rather than letting it in unrecorded: the auditor's
 *   promise is that every session through Latchkey is in a log.
 */
import type { AgentRecord } from './records.js';

export function recorderCommandFor(
  recordsSessions: boolean,
  targetAgents: readonly Pick<AgentRecord, 'heartbeat' | 'lastSeenAt'>[],
  defaultCommand: string,
): string | undefined {
  if (!recordsSessions) return undefined;
  let latest: { command: string; seenAt: number } | undefined;
  for (const agent of targetAgents) {
    const command = agent.heartbeat?.recording?.recorderCommand;
    if (command === undefined) continue;
    const seenAt = agent.lastSeenAt?.getTime() ?? 0;
    if (latest === undefined || seenAt > latest.seenAt) latest = { command, seenAt };
  }
  return latest?.command ?? defaultCommand;
}
