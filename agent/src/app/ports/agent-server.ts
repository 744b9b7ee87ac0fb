/**
 * The access server's agent routes (Latchkey only; adapters/http/agent-server-client.ts): enrolment
 * with a join token, credential renewal, heartbeats, session-log uploads and the recording settings
 * (shared/src/api/ssh-logs.ts). Errors as in ControlPlane: LatchkeyError `unavailable` when the server
 * cannot be reached or answers 5xx (retried), `conflict` when it already holds another log under that id,
 * otherwise the server's own code.
 */
import type {
  AgentCredential,
  AgentEnrollBody,
  AgentHeartbeatBody,
  AgentReenrollBody,
} from '@latchkey/shared/api/agents';
import type { AgentRecordingSettings, SshLogUploadMetadata } from '@latchkey/shared/api/ssh-logs';
import type { SessionControl } from '@latchkey/shared/api/ssh-sessions';

export interface AgentServer {
  enroll(body: AgentEnrollBody): Promise<AgentCredential>;
  /**
   * Re-enrols with `credential` as the proof: the same agent, a fresh credential; the old one is revoked.
   * `unauthenticated` when the server no longer accepts `credential` (the agent was removed or replaced).
   */
  reenroll(credential: string, body: AgentReenrollBody): Promise<AgentCredential>;
  renewCredential(): Promise<AgentCredential>;
  /**
   * Returns the clock offset measured on the answer (server minus agent, ms), when it could be, and the
   * front's host certificate when the server gave one.
   */
  heartbeat(body: AgentHeartbeatBody): Promise<{ clockOffsetMs?: number; frontHostCertificate?: string }>;
  /**
   * The sessions the front must end: waits up to `waitSeconds` for new orders after `after`; without
   * `after`, answers at once with the current cursor only.
   */
  sessionControl(after: number | undefined, waitSeconds: number): Promise<SessionControl>;
}

/**
 * A log file to upload, read from where it is kept rather than held: `read()` gives its bytes from the
 * start, in pieces, each call a fresh read (a digest pass, then the send, then any retry), always the same
 * `size` bytes. A read may throw (the file was removed meanwhile): the upload then fails with that error.
 */
export interface LogUploadBody {
  readonly size: number;
  read(): AsyncIterable<Uint8Array>;
}

/** Where spooled session logs go. Resolves only once the server has stored the log (2xx). */
export interface SessionLogServer {
  /**
   * Sends the log as a stream of `body.size` bytes (never joined in memory) with its SHA-256; errors as
   * above, or the body's own read error, unwrapped.
   */
  uploadLog(logId: string, body: LogUploadBody, metadata: SshLogUploadMetadata): Promise<void>;
  /** The auditors' key for new sessions (`''`: recording is off). */
  getRecordingSettings(): Promise<AgentRecordingSettings>;
}
