/**
 * Live SSH sessions (DESIGN.md flow 9; Latchkey additions): admins list the sessions open at agents' SSH
 * fronts and end one under /client/v4/accounts/{account_id}/access/ssh_sessions; agents' fronts long-poll
 * /v1/agents/session_control for the sessions they must end.
 */
import Type from 'typebox';
import {
  AccountParams,
  SessionControlQuerySchema,
  SessionControlSchema,
  SshSessionEndSchema,
  SshSessionParams,
  SshSessionSchema,
} from '@latchkey/shared';
import type { SessionControl, SshSessionEnd } from '@latchkey/shared';
import { endLiveSession, listLiveSessions } from '../../../app/ssh-sessions/live-ssh-sessions.js';
import { pollSessionControl } from '../../../app/ssh-sessions/session-control.js';
import { presentSessionTermination, presentSshSession } from '../../../domain/api-representation.js';
import { AGENT_PERMISSION, PERMISSIONS } from '../../../domain/permissions.js';
import { ACCOUNT_PREFIX } from './route-context.js';
import type { RouteContext } from './route-context.js';

const tags = ['SSH sessions'];

export function sshSessionRoutes({ route, services }: RouteContext): void {
  const sessions = `${ACCOUNT_PREFIX}/access/ssh_sessions`;
  route({
    method: 'GET',
    url: sessions,
    access: PERMISSIONS.zeroTrustRead,
    summary: "The SSH sessions open at agents' SSH fronts",
    description:
      'As the agents reported them in their latest heartbeats, from agents heard from in the last 3 minutes; oldest session first.',
    tags,
    params: AccountParams,
    result: Type.Array(SshSessionSchema),
    handle: async ({ caller }) => ({
      result: (await listLiveSessions(services, caller)).map(presentSshSession),
    }),
  });
  route({
    method: 'DELETE',
    url: `${sessions}/:session_id`,
    access: PERMISSIONS.zeroTrustEdit,
    summary: 'End a live SSH session',
    description:
      'Orders the agent that reports the session to end it (it does within seconds, through its session-control poll); ' +
      '404 when no agent heard from in the last 3 minutes reports it. Audit event `ssh_session.end`.',
    tags,
    params: SshSessionParams,
    result: SshSessionEndSchema,
    handle: async ({ caller, params }) => {
      const ended = await endLiveSession(services, caller, params.session_id);
      const result: SshSessionEnd = {
        session: presentSshSession(ended.session),
        termination_ids: ended.terminations.map((termination) => termination.id),
      };
      return { result };
    },
  });

  route({
    method: 'GET',
    url: '/v1/agents/session_control',
    access: AGENT_PERMISSION,
    summary: 'The sessions the agent must end (a long poll)',
    description:
      'Terminations for this agent and for every agent of its account with an id above `after`, oldest first. ' +
      'When there are none the answer waits up to `wait_seconds` for one. Without `after` it answers at once with ' +
      'no terminations and the current cursor: an agent starts from there, so a restart does not replay history. ' +
      'A termination ends the open sessions that match its `session_id` and `person` (those present) and started ' +
      'before `issued_before` (server time).',
    tags,
    querystring: SessionControlQuerySchema,
    result: SessionControlSchema,
    handle: async ({ caller, query, request }) => {
      // Stop waiting when the agent goes away (a keep-alive socket outlives requests: remove the listener).
      const gone = new AbortController();
      const socket = request.raw.socket;
      const onClose = () => gone.abort();
      socket.once('close', onClose);
      try {
        const answer = await pollSessionControl(services, caller, query, gone.signal);
        const result: SessionControl = {
          terminations: answer.terminations.map(presentSessionTermination),
          cursor: answer.cursor,
        };
        return { result };
      } finally {
        socket.off('close', onClose);
      }
    },
  });
}
