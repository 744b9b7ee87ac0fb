/**
 * Agents (Latchkey additions, no Cloudflare counterpart): join tokens an admin makes
 * (`/accounts/{account_id}/latchkey/join_tokens`), the enrolment a host makes with one
 * (`POST /v1/agents/enroll`), the agent's credential renewal, re-enrolment and heartbeat
 * (`/v1/agents/…`), and the agents admins read, remove and replace
 * (`/accounts/{account_id}/latchkey/agents[/{agent_id}[/replace]]`).
 *
 * A join token always makes a new agent; a machine id selects none. An enrolled host re-enrols only by
 * proving its current credential (`POST /v1/agents/reenroll`), or with a join token an admin made to
 * replace its agent (`…/agents/{agent_id}/replace`), which keeps the agent's target.
 */
import Type from 'typebox';
import type { Static } from 'typebox';
import { MAX_FORCE_COMMAND_LENGTH } from '../ssh/force-command.js';
import { LIMITS } from '../limits.js';
import { AccountId, Timestamp, Uuid } from './common.js';

/** A join token lives 24 hours and enrols one host unless its creator says otherwise. */
export const DEFAULT_JOIN_TOKEN_TTL_SECONDS = LIMITS.joinToken.defaultLifetimeSeconds;
export const DEFAULT_JOIN_TOKEN_MAX_USES = LIMITS.joinToken.defaultUses;

export const JoinTokenCreateSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 255 }),
    expires_in_seconds: Type.Optional(
      Type.Integer({
        minimum: LIMITS.joinToken.minLifetimeSeconds,
        maximum: LIMITS.joinToken.maxLifetimeSeconds,
        description: 'Default 86400 (24 h).',
      }),
    ),
    max_uses: Type.Optional(
      Type.Integer({
        minimum: LIMITS.joinToken.minUses,
        maximum: LIMITS.joinToken.maxUses,
        description: 'Default 1.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type JoinTokenCreateBody = Static<typeof JoinTokenCreateSchema>;

export const JoinTokenSchema = Type.Object({
  id: Uuid,
  name: Type.String(),
  max_uses: Type.Integer(),
  uses: Type.Integer(),
  expires_at: Timestamp,
  created_at: Timestamp,
  revoked_at: Type.Optional(Timestamp),
  /** Only in the answer to the creation: the secret is shown once. */
  token: Type.Optional(Type.String({ description: 'The secret, only in the answer to POST.' })),
  replaces_agent_id: Type.Optional(
    Type.String({
      format: 'uuid',
      description: 'A token made to replace this agent: enrolling with it keeps the agent and its target.',
    }),
  ),
});
export type JoinToken = Static<typeof JoinTokenSchema>;

/** The body of `POST …/latchkey/agents/{agent_id}/replace` (all optional). */
export const AgentReplaceSchema = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    expires_in_seconds: Type.Optional(
      Type.Integer({
        minimum: LIMITS.joinToken.minLifetimeSeconds,
        maximum: LIMITS.joinToken.maxReplacementLifetimeSeconds,
        description: 'Default 86400 (24 h).',
      }),
    ),
  },
  { additionalProperties: false },
);
export type AgentReplaceBody = Static<typeof AgentReplaceSchema>;

const AgentVersion = Type.String({ minLength: 1, maxLength: 100 });
const Distro = Type.String({ maxLength: 200 });

export const AgentEnrollSchema = Type.Object(
  {
    join_token: Type.String({ minLength: 1, maxLength: 200 }),
    hostname: Type.String({ minLength: 1, maxLength: 253 }),
    agent: Type.Object(
      {
        version: AgentVersion,
        distro: Type.Optional(Distro),
        machine_id: Type.Optional(
          Type.String({
            pattern: '^[0-9a-fA-F]{32}$',
            description:
              "The host's /etc/machine-id, to tell hosts apart; it is no secret and selects no existing agent.",
          }),
        ),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type AgentEnrollBody = Static<typeof AgentEnrollSchema>;

/**
 * The body of `POST /v1/agents/reenroll`, sent with the agent's current credential (the proof): what the
 * host says about itself now. The answer is a fresh credential for the same agent; the old one is revoked.
 */
export const AgentReenrollSchema = Type.Object(
  {
    hostname: AgentEnrollSchema.properties.hostname,
    agent: AgentEnrollSchema.properties.agent,
  },
  { additionalProperties: false },
);
export type AgentReenrollBody = Static<typeof AgentReenrollSchema>;

/** The agent's credential: an API token that reaches only the agent's own routes. */
export const AgentCredentialSchema = Type.Object({
  agent_id: Uuid,
  account_id: AccountId,
  api_token: Type.String(),
  expires_at: Timestamp,
  target_id: Type.Optional(
    Type.String({
      format: 'uuid',
      description:
        "The agent's target, when it has one (a re-enrolled or replaced agent keeps it): its registration " +
        'updates that target, never creates another.',
    }),
  ),
  warnings: Type.Optional(
    Type.Array(Type.String(), {
      description:
        'What the enrolling host should know, e.g. that another agent has its machine id (a cloned VM): it ' +
        'is a new agent all the same.',
    }),
  ),
});
export type AgentCredential = Static<typeof AgentCredentialSchema>;

export const SSHD_CONFIG_STATES = ['trusted', 'rolled_back', 'failed', 'unknown'] as const;
export type SshdConfigState = (typeof SSHD_CONFIG_STATES)[number];

export const DriftRepairSchema = Type.Object(
  {
    path: Type.String({ maxLength: 4096 }),
    at: Timestamp,
    status: Type.String({ maxLength: 50, description: 'applied, rolled_back …' }),
  },
  { additionalProperties: false },
);
export type DriftRepair = Static<typeof DriftRepairSchema>;

export const RECORDING_MODES = ['best-effort', 'strict'] as const;
export type RecordingMode = (typeof RECORDING_MODES)[number];

/**
 * How the agent records sessions on its host: `recorder_command` says what records them (the agent's SSH
 * front reports `latchkey-agent front`; agents before the front named the force-command recorder that
 * sshd ran, which the server no longer puts into any certificate: the field stays for the API's shape and
 * is shown to admins), the mode, and a break-glass in force, if any (admins see it, and it is an audit
 * event when it starts).
 */
export const AgentRecordingSchema = Type.Object(
  {
    recorder_command: Type.String({
      minLength: 1,
      maxLength: MAX_FORCE_COMMAND_LENGTH,
      description:
        'What records sessions on the host: `latchkey-agent front`. One line, no control characters.',
    }),
    mode: Type.Enum([...RECORDING_MODES]),
    break_glass: Type.Optional(
      Type.Object(
        { until: Timestamp, reason: Type.String({ maxLength: 1000 }) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type AgentRecording = Static<typeof AgentRecordingSchema>;

/**
 * The agent's SSH front (DESIGN.md flow 6): the port it listens on and its host key. A target whose agent
 * reports a front gets certificates bound to it (shared/src/ssh/target-binding.ts) and clients connect
 * to this port, trusting this host key.
 */
export const AgentFrontSchema = Type.Object(
  {
    port: Type.Integer({ minimum: 1, maximum: 65535 }),
    host_key: Type.String({
      minLength: 1,
      maxLength: 8192,
      description: 'One OpenSSH public key line, e.g. `ssh-ed25519 AAAA…`.',
    }),
    host_certificate: Type.Optional(
      Type.String({
        maxLength: 16384,
        description:
          'The host certificate the front presents now (the last `front_host_certificate` the server answered), if any.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type AgentFront = Static<typeof AgentFrontSchema>;

export const LIVE_SESSION_PROGRAMS = ['shell', 'exec', 'subsystem'] as const;
export type LiveSessionProgram = (typeof LIVE_SESSION_PROGRAMS)[number];

/** The most sessions one heartbeat may report. */
export const MAX_REPORTED_SESSIONS = 2000;

/** The most system accounts (uid below UID_MIN) one heartbeat may report. */
export const MAX_REPORTED_SYSTEM_USERS = 2000;

/** One session open at the agent's front, as its heartbeat reports it. */
export const AgentSessionReportSchema = Type.Object(
  {
    session_id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9-]{1,64}$' }),
    person: Type.String({ maxLength: 320, description: "The person's email, from the certificate." }),
    unix_user: Type.String({ maxLength: 64 }),
    program: Type.Enum([...LIVE_SESSION_PROGRAMS]),
    command: Type.Optional(Type.String({ maxLength: 1000 })),
    started_at: Timestamp,
    client_address: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { additionalProperties: false },
);
export type AgentSessionReport = Static<typeof AgentSessionReportSchema>;

/**
 * The private ranges a connector agent agreed to dial (`latchkey-agent run --route`), as it reports them:
 * a tunnel route to an agent whose ranges do not hold the route's addresses is refused by that agent.
 */
export const ConnectorRoutesSchema = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
  maxItems: 64,
  description:
    "The private ranges the agent agreed to dial as a connector (`--route`); a route's addresses outside them are refused by the agent.",
});

export const AgentHeartbeatSchema = Type.Object(
  {
    version: AgentVersion,
    distro: Distro,
    sshd_version: Type.Optional(Type.String({ maxLength: 100 })),
    clock_offset_ms: Type.Optional(Type.Integer({ description: 'Server time minus agent time.' })),
    sshd_config: Type.Object(
      {
        state: Type.Enum([...SSHD_CONFIG_STATES]),
        method: Type.Optional(Type.String({ maxLength: 50 })),
        message: Type.Optional(Type.String({ maxLength: 4000 })),
        ca_keys: Type.Optional(Type.Integer({ minimum: 0 })),
        ca_key_fingerprints: Type.Optional(
          Type.Array(Type.String({ maxLength: 100 }), {
            maxItems: 16,
            description:
              "SHA256 fingerprints of the account CA keys the agent trusts now: a CA rotation's switch waits " +
              "until every present agent lists the next CA's.",
          }),
        ),
      },
      { additionalProperties: false },
    ),
    drift_repairs: Type.Optional(Type.Array(DriftRepairSchema, { maxItems: 100 })),
    recording: Type.Optional(AgentRecordingSchema),
    front: Type.Optional(AgentFrontSchema),
    sessions: Type.Optional(
      Type.Array(AgentSessionReportSchema, {
        maxItems: MAX_REPORTED_SESSIONS,
        description: "The front's open sessions.",
      }),
    ),
    uid_min: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 2_147_483_647,
        description: "The host's UID_MIN (login.defs): accounts below it are system accounts.",
      }),
    ),
    system_users: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
        maxItems: MAX_REPORTED_SYSTEM_USERS,
        description:
          'The usernames whose uid is below uid_min. An email alias never maps to one of them (nor to root).',
      }),
    ),
    connector_routes: Type.Optional(ConnectorRoutesSchema),
  },
  { additionalProperties: false },
);
export type AgentHeartbeatBody = Static<typeof AgentHeartbeatSchema>;

export const AgentHeartbeatResultSchema = Type.Object({
  agent_id: Uuid,
  server_time: Timestamp,
  front_host_certificate: Type.Optional(
    Type.String({
      description:
        "The front's host certificate (`ssh-ed25519-cert-v01@openssh.com AAAA…`), signed by the account's host CA, for an agent that reported a front and has a target: the front presents it from now on.",
    }),
  ),
});
export type AgentHeartbeatResult = Static<typeof AgentHeartbeatResultSchema>;

export const AgentSchema = Type.Object({
  id: Uuid,
  hostname: Type.String(),
  machine_id: Type.Optional(Type.String()),
  target_id: Type.Optional(Uuid),
  version: Type.Optional(Type.String()),
  distro: Type.Optional(Type.String()),
  sshd_version: Type.Optional(Type.String()),
  clock_offset_ms: Type.Optional(Type.Integer()),
  sshd_config: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  recording: Type.Optional(AgentRecordingSchema),
  front: Type.Optional(
    Type.Object(
      { port: Type.Integer(), host_key: Type.String() },
      { description: 'Its SSH front, if it runs one.' },
    ),
  ),
  session_count: Type.Optional(
    Type.Integer({ description: 'How many sessions its front had open at its last heartbeat.' }),
  ),
  uid_min: Type.Optional(Type.Integer({ description: "The host's UID_MIN, as it reported it." })),
  connector_routes: Type.Optional(ConnectorRoutesSchema),
  last_seen_at: Type.Optional(Timestamp),
  created_at: Timestamp,
});
export type Agent = Static<typeof AgentSchema>;
