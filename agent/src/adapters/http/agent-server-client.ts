/** The AgentServer over HTTP: the access server's /v1/agents routes. */
import { createHash } from 'node:crypto';
import { SSH_LOG_METADATA_HEADER } from '@latchkey/shared/api/wire-names';
import { LatchkeyError } from '@latchkey/shared/errors/latchkey-error';
import type {
  AgentCredential,
  AgentEnrollBody,
  AgentHeartbeatBody,
  AgentHeartbeatResult,
  AgentReenrollBody,
} from '@latchkey/shared/api/agents';
import type { AgentRecordingSettings, SshLogUploadMetadata } from '@latchkey/shared/api/ssh-logs';
import type { SessionControl } from '@latchkey/shared/api/ssh-sessions';
import type { AgentServer, LogUploadBody, SessionLogServer } from '../../app/ports/agent-server.js';
import { clockOffsetMs } from '../../domain/agent/clock-offset.js';
import { requestJson } from './json-api.js';

/**
 * An upload may be large and the link slow: more time than a JSON call, still bounded. It is the
 * socket's idle time (nothing sent or received for so long), not a limit on the whole upload.
 */
const UPLOAD_TIMEOUT_MS = 120_000;

export class AgentServerClient implements AgentServer, SessionLogServer {
  private readonly base: string;

  /** `token` is read on every call (renewal replaces it); enrolment needs none. */
  constructor(
    server: string,
    private readonly token: () => string | undefined,
  ) {
    this.base = server.replace(/\/+$/, '');
  }

  async enroll(body: AgentEnrollBody): Promise<AgentCredential> {
    const answer = await requestJson({ method: 'POST', url: `${this.base}/v1/agents/enroll`, body });
    return answer.result as AgentCredential;
  }

  async reenroll(credential: string, body: AgentReenrollBody): Promise<AgentCredential> {
    const answer = await requestJson({
      method: 'POST',
      url: `${this.base}/v1/agents/reenroll`,
      token: credential,
      body,
    });
    return answer.result as AgentCredential;
  }

  async renewCredential(): Promise<AgentCredential> {
    const answer = await requestJson({
      method: 'POST',
      url: `${this.base}/v1/agents/credential/renew`,
      ...this.auth(),
    });
    return answer.result as AgentCredential;
  }

  async heartbeat(
    body: AgentHeartbeatBody,
  ): Promise<{ clockOffsetMs?: number; frontHostCertificate?: string }> {
    const answer = await requestJson({
      method: 'POST',
      url: `${this.base}/v1/agents/heartbeat`,
      body,
      ...this.auth(),
    });
    const offset = clockOffsetMs(answer.date, answer.sentAt, answer.receivedAt);
    const certificate = (answer.result as AgentHeartbeatResult | undefined)?.front_host_certificate;
    return {
      ...(offset === undefined ? {} : { clockOffsetMs: offset }),
      ...(typeof certificate === 'string' ? { frontHostCertificate: certificate } : {}),
    };
  }

  async sessionControl(after: number | undefined, waitSeconds: number): Promise<SessionControl> {
    const query = new URLSearchParams({ wait_seconds: String(waitSeconds) });
    if (after !== undefined) query.set('after', String(after));
    const answer = await requestJson({
      method: 'GET',
      url: `${this.base}/v1/agents/session_control?${query.toString()}`,
      // The server holds the answer up to waitSeconds: allow that and a margin.
      timeoutMs: (waitSeconds + 15) * 1000,
      ...this.auth(),
    });
    const result = answer.result as Partial<SessionControl> | undefined;
    if (!Array.isArray(result?.terminations) || typeof result?.cursor !== 'number') {
      throw new LatchkeyError('invalid_argument', 'GET /v1/agents/session_control answered without a cursor');
    }
    return { terminations: result.terminations, cursor: result.cursor };
  }

  /**
   * Two reads of the body, never the whole of it in memory: one for the SHA-256 (Content-Digest comes
   * before the body), one to send it, piece by piece, with Content-Length.
   */
  async uploadLog(logId: string, body: LogUploadBody, metadata: SshLogUploadMetadata): Promise<void> {
    const hash = createHash('sha256');
    let size = 0;
    for await (const piece of body.read()) {
      hash.update(piece);
      size += piece.length;
    }
    if (size !== body.size) {
      throw new Error(`session log ${logId} has ${size} bytes where ${body.size} were expected`);
    }
    const digest = hash.digest('base64');
    await requestJson({
      method: 'PUT',
      url: `${this.base}/v1/agents/ssh_logs/${encodeURIComponent(logId)}`,
      streamBody: { length: body.size, read: () => body.read() },
      headers: {
        [SSH_LOG_METADATA_HEADER]: Buffer.from(JSON.stringify(metadata), 'utf8').toString('base64url'),
        'content-digest': `sha-256=:${digest}:`,
      },
      timeoutMs: UPLOAD_TIMEOUT_MS,
      ...this.auth(),
    });
  }

  async getRecordingSettings(): Promise<AgentRecordingSettings> {
    const answer = await requestJson({
      method: 'GET',
      url: `${this.base}/v1/agents/recording`,
      ...this.auth(),
    });
    const result = answer.result as Partial<AgentRecordingSettings> | undefined;
    if (typeof result?.auditor_public_key !== 'string') {
      // Never read as "recording off": a malformed answer leaves the settings on disk as they are.
      throw new LatchkeyError(
        'invalid_argument',
        'GET /v1/agents/recording answered without auditor_public_key',
      );
    }
    return { auditor_public_key: result.auditor_public_key };
  }

  private auth(): { token?: string } {
    const token = this.token();
    return token === undefined ? {} : { token };
  }
}
