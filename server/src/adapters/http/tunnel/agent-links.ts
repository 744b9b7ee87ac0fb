/**
 * The agents connected to this server by their tunnel (docs/tunnels.md): one WebSocket per agent, with
 * HTTP/2 inside it in reversed roles (this server is the HTTP/2 client, the agent its server; cloudflared's
 * pattern), so that the server opens one CONNECT stream per person's connection.
 *
 * The registry is what this process holds; with several servers, each also records its links in the
 * database (tunnel-peering.ts) so that its peers forward to it.
 */
import {
  TUNNEL_CONNECTION_WINDOW,
  TUNNEL_SERVERS_PATH,
  TUNNEL_STREAM_WINDOW,
} from '@latchkey/shared/tunnel/tunnel-protocol';
import http2 from 'node:http2';
import type { ClientHttp2Session, ClientHttp2Stream } from 'node:http2';
import type { Duplex } from 'node:stream';
import { WebSocket, createWebSocketStream } from 'ws';

export interface TunnelTimings {
  /** How often the server pings each agent (WebSocket ping); default 20 s. */
  pingIntervalMs: number;
  /** A link with no pong for this long is cut; default 45 s. */
  deadAfterMs: number;
}

export const DEFAULT_TUNNEL_TIMINGS: TunnelTimings = { pingIntervalMs: 20_000, deadAfterMs: 45_000 };

export interface StreamOpening {
  streamId: string;
  person: string;
  clientAddress: string | undefined;
  port: number;
  /** A connector's dial (`10.77.0.5:22`, `[fd00::5]:22`): the agent connects there instead of to its front. */
  dial?: string;
}

export class AgentLink {
  readonly connectedAt = Date.now();
  private readonly session: ClientHttp2Session;
  private lastPong = Date.now();
  private readonly pinger: ReturnType<typeof setInterval>;
  private closedFlag = false;

  constructor(
    readonly agentId: string,
    readonly accountId: string,
    /** The API token (the agent's credential) that opened this link; re-checked before each stream. */
    readonly tokenId: string,
    /** Which of the agent's links this is (TUNNEL_LINK_HEADER); undefined for an agent that does not say. */
    readonly linkIndex: 0 | 1 | undefined,
    private readonly ws: WebSocket,
    timings: TunnelTimings,
    private readonly onClosed: (link: AgentLink) => void,
  ) {
    const bytes = createWebSocketStream(ws);
    bytes.on('error', () => undefined);
    this.session = http2.connect('http://latchkey-agent.invalid', {
      createConnection: () => bytes as Duplex as never,
      settings: { initialWindowSize: TUNNEL_STREAM_WINDOW, enablePush: false },
    });
    this.session.on('error', () => undefined);
    this.session.on('connect', () => this.session.setLocalWindowSize(TUNNEL_CONNECTION_WINDOW));
    this.session.on('close', () => this.close());
    ws.on('pong', () => (this.lastPong = Date.now()));
    ws.on('close', () => this.close());
    ws.on('error', () => undefined);
    this.pinger = setInterval(() => {
      if (Date.now() - this.lastPong > timings.deadAfterMs) {
        ws.terminate();
        return;
      }
      ws.ping();
    }, timings.pingIntervalMs);
    this.pinger.unref();
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /**
   * One CONNECT stream to the agent's SSH front. Resolves once the agent accepted it (200); rejects with
   * the agent's answer otherwise.
   */
  openStream(opening: StreamOpening): Promise<ClientHttp2Stream> {
    return new Promise((resolve, reject) => {
      if (this.closedFlag) {
        reject(new Error('the tunnel closed'));
        return;
      }
      let stream: ClientHttp2Stream;
      try {
        stream = this.session.request({
          ':method': 'CONNECT',
          ':authority': `127.0.0.1:${opening.port}`,
          'latchkey-stream-id': opening.streamId,
          'latchkey-user': opening.person,
          ...(opening.clientAddress === undefined ? {} : { 'latchkey-client-addr': opening.clientAddress }),
          ...(opening.dial === undefined ? {} : { 'latchkey-dial': opening.dial }),
        });
      } catch (error) {
        reject(error as Error);
        return;
      }
      const onError = (error: Error) => reject(error);
      stream.once('error', onError);
      stream.once('close', () => reject(new Error(`the agent closed the stream (code ${stream.rstCode})`)));
      stream.once('response', (headers) => {
        const status = headers[':status'];
        stream.off('error', onError);
        if (status === 200) resolve(stream);
        else {
          stream.destroy();
          const why = headers['latchkey-error'];
          reject(
            new Error(
              `the agent refused the stream (HTTP ${status}${why === undefined ? '' : `: ${String(why)}`})`,
            ),
          );
        }
      });
    });
  }

  /**
   * Tells the agent the live servers (a POST on its link; an agent that does not know the request
   * answers 405 and keeps one link). Best effort: a link that fails here fails its streams too. Any other
   * answer that is not a success (the agent refused the advertisement: 400) goes to `onRefused`.
   */
  advertise(body: unknown, onRefused?: (status: number) => void): void {
    if (this.closedFlag) return;
    try {
      const request = this.session.request({
        ':method': 'POST',
        ':path': TUNNEL_SERVERS_PATH,
        'content-type': 'application/json',
      });
      request.on('error', () => undefined);
      request.on('response', (headers) => {
        const status = Number(headers[':status']);
        if ((status < 200 || status > 299) && status !== 405) onRefused?.(status);
        request.close();
      });
      request.resume();
      request.end(JSON.stringify(body));
    } catch {
      // the session is closing
    }
  }

  /** Tells the agent to move (HTTP/2 GOAWAY, then WebSocket close 1012 "service restart"). */
  drain(reason: string): void {
    if (this.closedFlag) return;
    try {
      this.session.goaway(http2.constants.NGHTTP2_NO_ERROR);
    } catch {
      // already going away
    }
    this.ws.close(1012, reason.slice(0, 120));
    // A peer that never answers the close is cut.
    setTimeout(() => this.ws.terminate(), 2000).unref();
  }

  close(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    clearInterval(this.pinger);
    this.session.destroy();
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.terminate();
    this.onClosed(this);
  }
}

/**
 * Presence: which agent holds a tunnel to this server, for which target. One link per agent, known by
 * (agent, link index): the same index again is the agent reconnecting before its old link died, and
 * replaces it; the agent's other link is refused (`conflicts`), so that a second link that a load balancer
 * sent here never cuts the first and its open sessions.
 */
export class AgentLinks {
  private readonly byAgent = new Map<string, AgentLink>();

  /** Whether link `linkIndex` of `agentId` must be refused: the agent's other link is held here. */
  conflicts(agentId: string, linkIndex: 0 | 1 | undefined): boolean {
    const held = this.byAgent.get(agentId);
    return (
      held !== undefined &&
      !held.closed &&
      linkIndex !== undefined &&
      held.linkIndex !== undefined &&
      held.linkIndex !== linkIndex
    );
  }

  /** Holds `link`, replacing the agent's older link of the same index (or, unsaid, any). */
  add(link: AgentLink): void {
    if (this.conflicts(link.agentId, link.linkIndex)) {
      throw new Error(`agent ${link.agentId} holds its other link here`);
    }
    const previous = this.byAgent.get(link.agentId);
    this.byAgent.set(link.agentId, link);
    previous?.close();
  }

  /** Whether `link` was the agent's registered link (and is no longer). */
  remove(link: AgentLink): boolean {
    if (this.byAgent.get(link.agentId) !== link) return false;
    this.byAgent.delete(link.agentId);
    return true;
  }

  /** A live link of one of `agentIds` (the target's agents), the newest first. */
  find(agentIds: readonly string[]): AgentLink | undefined {
    let best: AgentLink | undefined;
    for (const id of agentIds) {
      const link = this.byAgent.get(id);
      if (link === undefined || link.closed) continue;
      if (best === undefined || link.connectedAt > best.connectedAt) best = link;
    }
    return best;
  }

  /** Every link held now (the periodic credential re-check). */
  all(): AgentLink[] {
    return [...this.byAgent.values()];
  }

  get size(): number {
    return this.byAgent.size;
  }

  drainAll(reason: string): void {
    for (const link of [...this.byAgent.values()]) link.drain(reason);
  }
}
