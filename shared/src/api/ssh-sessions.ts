/**
 * Live SSH sessions and ending them (DESIGN.md flow 9; Latchkey additions, no Cloudflare counterpart).
 *
 * - Admins list the sessions open at agents' SSH fronts, as their latest heartbeats report them
 *   (`GET /accounts/{account_id}/access/ssh_sessions`), and end one
 *   (`DELETE /accounts/{account_id}/access/ssh_sessions/{session_id}`).
 * - Each agent's front long-polls `GET /v1/agents/session_control?after=<cursor>&wait_seconds=<0..25>` for
 *   the terminations it must carry out: ones for one session, and account-wide ones for a person (their
 *   built-in account was disabled or its password reset, or they signed out).
 */
import Type from 'typebox';
import type { Static } from 'typebox';
import { LIVE_SESSION_PROGRAMS } from './agents.js';
import { Timestamp, Uuid } from './common.js';

/** The longest a session-control poll waits when nothing is there for the agent. */
export const MAX_SESSION_CONTROL_WAIT_SECONDS = 25;
export const DEFAULT_SESSION_CONTROL_WAIT_SECONDS = 20;

/** Why sessions are ended, as termination `reason`s say it. */
export const SESSION_END_REASONS = [
  'ended_by_admin',
  'user_disabled',
  'password_reset',
  'signed_out',
] as const;
export type SessionEndReason = (typeof SESSION_END_REASONS)[number];

export const SessionControlQuerySchema = Type.Object(
  {
    after: Type.Optional(
      Type.Integer({
        minimum: 0,
        description:
          'The cursor of the previous answer. Absent: answers at once with no terminations and the current cursor (an agent that starts does not replay history).',
      }),
    ),
    wait_seconds: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: MAX_SESSION_CONTROL_WAIT_SECONDS,
        description: `How long to wait for a termination when there is none yet (default ${DEFAULT_SESSION_CONTROL_WAIT_SECONDS}).`,
      }),
    ),
  },
  { additionalProperties: false },
);
export type SessionControlQuery = Static<typeof SessionControlQuerySchema>;

/**
 * One order to end sessions at the agent's front: every open session that matches all of the fields
 * given (`session_id`, `person`: the certificate's email, compared lowercased) and started before
 * `issued_before`. Neither field: every session started before then.
 */
export const SessionTerminationSchema = Type.Object({
  id: Type.Integer({ description: 'Increasing; the cursor of the answer is at least the highest id in it.' }),
  session_id: Type.Optional(Type.String()),
  person: Type.Optional(Type.String()),
  issued_before: Timestamp,
  reason: Type.String({ description: SESSION_END_REASONS.join(', ') }),
});
export type SessionTermination = Static<typeof SessionTerminationSchema>;

export const SessionControlSchema = Type.Object({
  terminations: Type.Array(SessionTerminationSchema),
  cursor: Type.Integer({ minimum: 0, description: 'Send it back as `after` in the next poll.' }),
});
export type SessionControl = Static<typeof SessionControlSchema>;

/** A session open at an agent's SSH front, as its latest heartbeat reported it. */
export const SshSessionSchema = Type.Object({
  session_id: Type.String(),
  person: Type.String(),
  unix_user: Type.String(),
  program: Type.Enum([...LIVE_SESSION_PROGRAMS]),
  command: Type.Optional(Type.String()),
  started_at: Timestamp,
  client_address: Type.Optional(Type.String()),
  target_id: Type.Optional(Uuid),
  hostname: Type.String({ description: "The agent's host." }),
  agent_id: Uuid,
  reported_at: Timestamp,
});
export type SshSession = Static<typeof SshSessionSchema>;

export const SshSessionParams = Type.Object({
  account_id: Type.String({ minLength: 1 }),
  session_id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9-]{1,64}$' }),
});

/** The answer to ending a session: the session as it was listed, and the termination made for it. */
export const SshSessionEndSchema = Type.Object({
  session: SshSessionSchema,
  termination_ids: Type.Array(Type.Integer(), {
    description: 'One per agent that reported the session (usually one).',
  }),
});
export type SshSessionEnd = Static<typeof SshSessionEndSchema>;
