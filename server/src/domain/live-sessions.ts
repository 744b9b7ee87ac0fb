/**
 * The SSH sessions open right now (DESIGN.md flow 9), as agents' fronts report them in heartbeats; no
 * I/O. Only agents heard from recently count: an agent that stopped heartbeating (host down, agent
 * stopped) has no sessions anyone can see or end through it.
 */
import type { AgentRecord, AgentSessionRecord } from './records.js';

/** Agents heartbeat every minute by default: two intervals and some slack. */
export const LIVE_SESSION_MAX_AGE_MS = 3 * 60 * 1000;

export interface LiveSession extends AgentSessionRecord {
  agentId: string;
  targetId?: string;
  /** The agent's host. */
  hostname: string;
  /** When the agent reported it: its last heartbeat. */
  reportedAt: Date;
}

/** The sessions of agents seen within LIVE_SESSION_MAX_AGE_MS of `now`, oldest session first. */
export function liveSessions(
  agents: readonly Pick<AgentRecord, 'id' | 'hostname' | 'targetId' | 'heartbeat' | 'lastSeenAt'>[],
  now: Date,
): LiveSession[] {
  const sessions: LiveSession[] = [];
  for (const agent of agents) {
    const seenAt = agent.lastSeenAt;
    if (seenAt === undefined || now.getTime() - seenAt.getTime() > LIVE_SESSION_MAX_AGE_MS) continue;
    for (const session of agent.heartbeat?.sessions ?? []) {
      sessions.push({
        ...session,
        agentId: agent.id,
        ...(agent.targetId === undefined ? {} : { targetId: agent.targetId }),
        hostname: agent.hostname,
        reportedAt: seenAt,
      });
    }
  }
  return sessions.sort(
    (a, b) =>
      Date.parse(a.startedAt) - Date.parse(b.startedAt) ||
      compare(a.sessionId, b.sessionId) ||
      compare(a.agentId, b.agentId),
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
