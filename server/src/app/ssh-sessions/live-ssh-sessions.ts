/**
 * Admins' side of live sessions (DESIGN.md flow 9): the sessions open at agents' SSH fronts, and ending
 * one; and ending every session of a person when their access ends (a built-in account disabled or its
 * password reset, a sign-in revoked). Ending is an order the agents long-poll for (session-control.ts);
 * every order is an audit event written in the same transaction.
 */
import { LatchkeyError, type SessionEndReason } from '@latchkey/shared';
import { LIVE_SESSION_MAX_AGE_MS, liveSessions, type LiveSession } from '../../domain/live-sessions.js';
import type { SessionTerminationRecord } from '../../domain/records.js';
import type { Repositories, StoreOf } from '../ports/store.js';
import { recordChange } from '../audit-trail.js';
import type { Caller } from '../caller.js';
import type { Services } from '../services.js';
import type { TerminationFeed } from './termination-feed.js';

/**
 * What ending a live session needs: the agents' reports, the time, the orders to agents, the audit
 * trail, and the feed that wakes the agents waiting for orders.
 */
export type LiveSshSessionsDeps = Pick<Services, 'clock'> & {
  sessionTerminationFeed: Pick<TerminationFeed, 'notify'>;
  store: StoreOf<'agents' | 'sessionTerminations' | 'auditEvents'>;
};

export async function listLiveSessions(
  services: Pick<Services, 'clock'> & { store: Pick<Repositories, 'agents'> },
  caller: Caller,
): Promise<LiveSession[]> {
  return liveSessions(await services.store.agents.list(caller.accountId), services.clock());
}

export interface EndedSession {
  session: LiveSession;
  terminations: SessionTerminationRecord[];
}

/**
 * Orders the agents that report session `sessionId` to end it (one order per agent, usually one). A
 * session no recent heartbeat reports is `not_found`.
 */
export async function endLiveSession(
  services: LiveSshSessionsDeps,
  caller: Caller,
  sessionId: string,
): Promise<EndedSession> {
  const now = services.clock();
  const matching = liveSessions(await services.store.agents.list(caller.accountId), now).filter(
    (session) => session.sessionId === sessionId,
  );
  const first = matching[0];
  if (first === undefined) {
    throw new LatchkeyError(
      'not_found',
      `no live session ${sessionId}: live sessions are those agents reported in the last ${LIVE_SESSION_MAX_AGE_MS / 60_000} minutes`,
    );
  }
  const byAgent = new Map<string, LiveSession[]>();
  for (const session of matching)
    byAgent.set(session.agentId, [...(byAgent.get(session.agentId) ?? []), session]);
  const terminations = await services.store.transaction(async (tx) => {
    const created: SessionTerminationRecord[] = [];
    for (const [agentId, sessions] of byAgent) {
      // The session's start is in the agent's clock: an order that names it ends it even on a host whose
      // clock runs ahead of the server's.
      const latestStart = Math.max(...sessions.map((session) => Date.parse(session.startedAt) || 0));
      created.push(
        await tx.sessionTerminations.create(caller.accountId, {
          agentId,
          sessionId,
          issuedBefore: new Date(Math.max(now.getTime(), latestStart + 1)),
          reason: 'ended_by_admin' satisfies SessionEndReason,
        }),
      );
    }
    await recordChange(tx, caller, {
      action: 'ssh_session.end',
      resourceType: 'ssh_session',
      resourceId: sessionId,
      after: {
        person: first.person,
        unix_user: first.unixUser,
        hostname: first.hostname,
        ...(first.targetId === undefined ? {} : { target_id: first.targetId }),
        agent_ids: [...byAgent.keys()],
        termination_ids: created.map((termination) => termination.id),
        reason: 'ended_by_admin',
      },
    });
    return created;
  });
  services.sessionTerminationFeed.notify();
  return { session: first, terminations };
}

/**
 * Inside the caller's transaction: an order to every agent of the account to end the sessions of
 * `person` that started before now, and its audit event `ssh_session.end_all`. Call
 * `services.sessionTerminationFeed.notify()` once the transaction has committed.
 */
export async function endSessionsOfPerson(
  services: Pick<Services, 'clock'>,
  tx: Pick<Repositories, 'sessionTerminations' | 'auditEvents'>,
  accountId: string,
  actor: string,
  person: string,
  reason: SessionEndReason,
): Promise<SessionTerminationRecord> {
  const email = person.toLowerCase();
  const termination = await tx.sessionTerminations.create(accountId, {
    person: email,
    issuedBefore: services.clock(),
    reason,
  });
  await tx.auditEvents.append(accountId, {
    actor,
    action: 'ssh_session.end_all',
    resourceType: 'person',
    resourceId: email,
    after: { person: email, reason, termination_id: termination.id },
  });
  return termination;
}
