/** The AgentServer over HTTP: the access server's /v1/agents routes. */
import type { AgentCredential, AgentEnrollBody, AgentHeartbeatBody } from '@latchkey/shared';
import type { AgentServer } from '../../app/ports/agent-server.js';
import { clockOffsetMs } from '../../domain/agent/clock-offset.js';
import { requestJson } from './json-api.js';

export class AgentServerClient implements AgentServer {
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

  async renewCredential(): Promise<AgentCredential> {
    const answer = await requestJson({
      method: 'POST',
      url: `${this.base}/v1/agents/credential/renew`,
      ...this.auth(),
    });
    return answer.result as AgentCredential;
  }

  async heartbeat(body: AgentHeartbeatBody): Promise<{ clockOffsetMs?: number }> {
    const answer = await requestJson({
      method: 'POST',
      url: `${this.base}/v1/agents/heartbeat`,
      body,
      ...this.auth(),
    });
    const offset = clockOffsetMs(answer.date, answer.sentAt, answer.receivedAt);
    return offset === undefined ? {} : { clockOffsetMs: offset };
  }

  private auth(): { token?: string } {
    const token = this.token();
    return token === undefined ? {} : { token };
  }
}
