/**
 * Session logs (Latchkey additions; Cloudflare offers them only as dashboard downloads). The server stores
 * the ciphertext an agent uploads and a cleartext index whose fields follow Cloudflare's `ssh_logs` export
 * (SessionID, UserEmail, UserID, Username, TargetID, ClientAddress, ServerAddress, PTY, ProgramType, the
 * start and finish times, Error), in snake_case like the rest of the API.
 *
 * - Agent upload: `PUT /v1/agents/ssh_logs/{log_id}`, permission `Latchkey: Agent`. The body is the log
 *   file itself (`Content-Type: application/octet-stream`: the metadata header and the sealed chunks, as
 *   ssh-log-cli reads it). The index fields travel in the `Latchkey-Log-Metadata` header as base64url of
 *   the JSON of SshLogUploadMetadata, and the body's digest in `Content-Digest: sha-256=:<base64>:`
 *   (RFC 9530). Idempotent: the same log id with the same digest answers 200 again; a log stored
 *   `incomplete` is replaced by a later upload of the same id; a `complete` one with another digest is a
 *   409 conflict, and so is a log id another agent uploaded. The answer is `{ result: SshLog }`. A wrong
 *   digest or metadata header is a 400 `invalid_argument`, a body that does not start with a session-log
 *   header a 400 `malformed_session_log`, a body over the server's `--max-log-size` a 413
 *   `payload_too_large`; none of them stores anything.
 * - Recording settings for an agent: `GET /v1/agents/recording` → `{ result: AgentRecordingSettings }`.
 * - Auditors (permission `Access: SSH Auditing: Read`):
 *   `GET /client/v4/accounts/{account_id}/ssh_logs` (SshLogListQuery, newest first, paged),
 *   `GET …/ssh_logs/{log_id}` (one SshLog) and `GET …/ssh_logs/{log_id}/file` (the log file,
 *   application/octet-stream, with Content-Digest; each download is an audit event).
 */
import Type from 'typebox';
import type { Static } from 'typebox';
import { PageQueryFields, Timestamp } from './common.js';

/** A log id as the agent's spool names logs: `<session id>.<UTC time>.<random hex>`. */
export const SSH_LOG_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$';
export const SshLogId = Type.String({ pattern: SSH_LOG_ID_PATTERN, description: 'The log id.' });

export { SSH_LOG_METADATA_HEADER } from './wire-names.js';

export const SshLogStatusSchema = Type.Union([Type.Literal('complete'), Type.Literal('incomplete')], {
  description: '`incomplete`: the recorder or the agent stopped before the session ended; `error` says why.',
});
export type SshLogStatus = Static<typeof SshLogStatusSchema>;

export const SshProgramTypeSchema = Type.Union(
  [Type.Literal('shell'), Type.Literal('exec'), Type.Literal('subsystem')],
  { description: "Cloudflare's ProgramType: shell, exec, or subsystem (sftp)." },
);

const OptionalText = (maxLength: number) => Type.Optional(Type.String({ maxLength }));

/** What the agent knows of a log in clear, sent with its upload. */
export const SshLogUploadMetadataSchema = Type.Object(
  {
    session_id: Type.String({ minLength: 1, maxLength: 128 }),
    user_email: Type.String({ maxLength: 320, description: 'Empty when the certificate named nobody.' }),
    username: Type.String({ minLength: 1, maxLength: 64, description: 'The UNIX user of the session.' }),
    target_id: Type.String({ maxLength: 64 }),
    target_hostname: OptionalText(253),
    client_address: OptionalText(100),
    server_address: OptionalText(100),
    pty: Type.Boolean(),
    program_type: SshProgramTypeSchema,
    command: OptionalText(4096),
    session_start_datetime: Timestamp,
    session_finish_datetime: Type.Optional(Timestamp),
    status: SshLogStatusSchema,
    error: OptionalText(2000),
  },
  { additionalProperties: false },
);
export type SshLogUploadMetadata = Static<typeof SshLogUploadMetadataSchema>;

/** A stored log as auditors list it. */
export const SshLogSchema = Type.Object({
  id: SshLogId,
  session_id: Type.String(),
  user_email: Type.String(),
  user_id: Type.Optional(Type.String({ description: 'The built-in or upstream account, when known.' })),
  username: Type.String(),
  target_id: Type.String(),
  target_hostname: Type.Optional(Type.String()),
  agent_id: Type.String({ description: 'The agent that uploaded it.' }),
  client_address: Type.Optional(Type.String()),
  server_address: Type.Optional(Type.String()),
  pty: Type.Boolean(),
  program_type: SshProgramTypeSchema,
  command: Type.Optional(Type.String()),
  session_start_datetime: Timestamp,
  session_finish_datetime: Type.Optional(Timestamp),
  status: SshLogStatusSchema,
  error: Type.Optional(Type.String()),
  size_bytes: Type.Integer({ minimum: 0 }),
  sha256: Type.String({ description: 'Hex SHA-256 of the stored file.' }),
  uploaded_at: Timestamp,
});
export type SshLog = Static<typeof SshLogSchema>;

export const SshLogListQuerySchema = Type.Object(
  {
    session_id: Type.Optional(Type.String()),
    user_email: Type.Optional(Type.String()),
    username: Type.Optional(Type.String()),
    target_id: Type.Optional(Type.String()),
    status: Type.Optional(SshLogStatusSchema),
    since: Type.Optional(Timestamp),
    until: Type.Optional(Timestamp),
    ...PageQueryFields,
  },
  { additionalProperties: false },
);
export type SshLogListQuery = Static<typeof SshLogListQuerySchema>;

/** What an agent needs to record: the auditors' key (`''`: recording is off for new sessions). */
export const AgentRecordingSettingsSchema = Type.Object({
  auditor_public_key: Type.String({
    description: "Base64 of the raw X25519 key (audit_ssh_settings.public_key); '' when logging is off.",
  }),
});
export type AgentRecordingSettings = Static<typeof AgentRecordingSettingsSchema>;
