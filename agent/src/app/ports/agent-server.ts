/**
 * The access server's agent routes (Latchkey only; adapters/http/agent-server-client.ts): enrolment
 * with a join token, credential renewal, heartbeats. Errors as in ControlPlane.
 */
import type { AgentCredential, AgentEnrollBody, AgentHeartbeatBody } from '@latchkey/shared';

export interface AgentServer {
  enroll(body: AgentEnrollBody): Promise<AgentCredential>;
  renewCredential(): Promise<AgentCredential>;
  /** Returns the clock offset measured on the answer (server minus agent, ms), when it could be. */
  heartbeat(body: AgentHeartbeatBody): Promise<{ clockOffsetMs?: number }>;
}
