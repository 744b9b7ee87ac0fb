/**
 * The agent's side of ending sessions (DESIGN.md flow 9): its SSH front long-polls for the terminations
 * it must carry out, those for itself and those for every agent of its account, above its cursor.
 *
 * - No `after` (the front has just started): the current cursor at once, no terminations, so that an
 *   agent's restart does not replay history (sessions it had then are gone with it).
 * - `after` above the newest id (the database was replaced): the same, so the cursor comes back down.
 * - Otherwise the terminations with `after` < id, oldest first; when there are none, the poll waits up to
 *   `wait_seconds` for one (woken by TerminationFeed), then answers an empty list. The cursor answered
 *   covers everything read, so the next poll starts where this one ended.
 */
import {
  DEFAULT_SESSION_CONTROL_WAIT_SECONDS,
  MAX_SESSION_CONTROL_WAIT_SECONDS,
  type SessionControlQuery,
} from '@latchkey/shared';
import type { SessionTerminationRecord } from '../../domain/records.js';
import { agentOfCaller } from '../agents/agent-caller.js';
import type { Caller } from '../caller.js';
import type { Repositories } from '../ports/store.js';
import type { Services } from '../services.js';
import type { TerminationFeed } from './termination-feed.js';

/**
 * What a poll needs: the calling agent, the stored terminations, the time (its deadline) and the feed
 * that wakes it when a termination appears.
 */
export type SessionControlDeps = Pick<Services, 'clock'> & {
  store: Pick<Repositories, 'agents' | 'sessionTerminations'>;
  sessionTerminationFeed: Pick<TerminationFeed, 'waitForNewerThan'>;
};

/** The most terminations one answer carries; the rest come with the next poll, at once. */
export const MAX_TERMINATIONS_PER_ANSWER = 500;

export interface SessionControlAnswer {
  terminations: SessionTerminationRecord[];
  cursor: number;
}

export async function pollSessionControl(
  services: SessionControlDeps,
  caller: Caller,
  query: SessionControlQuery,
  signal?: AbortSignal,
): Promise<SessionControlAnswer> {
  const agent = await agentOfCaller(services, caller);
  const { sessionTerminations } = services.store;
  const waitMs =
    Math.min(query.wait_seconds ?? DEFAULT_SESSION_CONTROL_WAIT_SECONDS, MAX_SESSION_CONTROL_WAIT_SECONDS) *
    1000;
  const deadline = services.clock().getTime() + waitMs;
  let upTo = await sessionTerminations.latestId();
  if (query.after === undefined || query.after > upTo) return { terminations: [], cursor: upTo };
  let cursor = query.after;
  for (;;) {
    const terminations = await sessionTerminations.listForAgent(agent.accountId, agent.id, {
      after: cursor,
      upTo,
      limit: MAX_TERMINATIONS_PER_ANSWER,
    });
    if (terminations.length === MAX_TERMINATIONS_PER_ANSWER) {
      return { terminations, cursor: terminations[terminations.length - 1]!.id };
    }
    cursor = upTo;
    if (terminations.length > 0) return { terminations, cursor };
    const remaining = deadline - services.clock().getTime();
    if (remaining <= 0) return { terminations: [], cursor };
    const outcome = await services.sessionTerminationFeed.waitForNewerThan(cursor, remaining, signal);
    if (outcome !== 'changed') return { terminations: [], cursor };
    upTo = await sessionTerminations.latestId();
  }
}
