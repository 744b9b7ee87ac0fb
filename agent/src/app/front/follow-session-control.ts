/**
 * Carries out the access server's orders to end sessions at this agent's front (DESIGN.md flow 9): an
 * admin ended one, or a person was disabled or signed out everywhere. A long poll stays open (the server
 * answers as soon as there is an order, so a session ends within a second or two of the order); after an
 * error it is retried with backoff, and an order is never carried out twice.
 *
 * The first poll after start asks for the current cursor only: orders issued while the agent was down
 * concern sessions that the restart already ended.
 */
import type { SessionTermination } from '@latchkey/shared/api/ssh-sessions';
import { backoffDelayMs, DEFAULT_BACKOFF } from '../../domain/agent/backoff.js';
import type { AgentServer } from '../ports/agent-server.js';

export interface SessionEnder {
  endSessions(ending: { sessionId?: string; person?: string; startedBefore?: Date; reason: string }): number;
}

export interface SessionControlDeps {
  readonly server: Pick<AgentServer, 'sessionControl'>;
  readonly front: SessionEnder;
  readonly random: () => number;
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly log: (line: string) => void;
}

const WAIT_SECONDS = 20;
const EMPTY_ANSWER_PAUSE_MS = 1000;

export async function followSessionControl(deps: SessionControlDeps, signal: AbortSignal): Promise<void> {
  let cursor: number | undefined;
  let failures = 0;
  // A poll in flight is abandoned (not awaited) when the agent stops: it may hold for WAIT_SECONDS.
  const stopped = new Promise<undefined>((resolve) => {
    if (signal.aborted) resolve(undefined);
    signal.addEventListener('abort', () => resolve(undefined), { once: true });
  });
  while (!signal.aborted) {
    try {
      const poll = deps.server.sessionControl(cursor, cursor === undefined ? 0 : WAIT_SECONDS);
      poll.catch(() => undefined);
      const answer = await Promise.race([poll, stopped]);
      if (answer === undefined) return;
      for (const order of answer.terminations) {
        if (cursor !== undefined && order.id <= cursor) continue;
        carryOut(deps, order);
      }
      const waited = cursor !== undefined;
      cursor = Math.max(cursor ?? 0, answer.cursor);
      failures = 0;
      // An empty answer normally comes after the server's wait; a server that answers at once must not
      // make this a busy loop.
      if (waited && answer.terminations.length === 0) await deps.sleep(EMPTY_ANSWER_PAUSE_MS, signal);
    } catch (error) {
      if (signal.aborted) return;
      failures++;
      const delay = backoffDelayMs(failures, deps.random(), DEFAULT_BACKOFF);
      if (failures === 1 || failures % 10 === 0) {
        deps.log(
          `cannot ask the server which sessions to end: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      await deps.sleep(Math.min(delay, 30_000), signal);
    }
  }
}

function carryOut(deps: SessionControlDeps, order: SessionTermination): void {
  const ended = deps.front.endSessions({
    ...(order.session_id === undefined ? {} : { sessionId: order.session_id }),
    ...(order.person === undefined ? {} : { person: order.person }),
    startedBefore: new Date(order.issued_before),
    reason: order.reason,
  });
  if (ended > 0) deps.log(`ended ${ended} session(s): ${order.reason}`);
}
