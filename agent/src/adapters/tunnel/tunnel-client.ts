/**
 * The agent's end of the tunnel (docs/tunnels.md): it dials out to the access server's own HTTP(S) port
 * (`GET /v1/tunnel/agent`, a WebSocket, bearer agent credential) and holds the link for good. Inside the
 * WebSocket runs HTTP/2 in reversed roles: this agent is the HTTP/2 server, the access server its client,
 * which opens one CONNECT stream per person's SSH connection. Each stream is handed to the SSH front
 * in-process (SshFront.acceptStream), or, for a connector, dialled to a private address inside the
 * agent's own `--route` ranges (connector-dialer.ts); the agent dials nothing else.
 *
 * Liveness: the server pings every 20 s; no ping (nor other traffic) for `deadAfterMs` and the link is cut.
 * A cut link is dialled again after a full-jitter exponential backoff (0.5 s doubling to 30 s, reset once
 * a link has held), for ever: never a restart. A server shutting down sends GOAWAY and closes with 1012:
 * the agent dials again at once (a short jitter), not after the backoff.
 */
import {
  AGENT_SUBPROTOCOL,
  TUNNEL_CONNECTION_WINDOW,
  TUNNEL_STREAM_WINDOW,
  TUNNEL_STREAMS_PER_LINK,
} from '@latchkey/shared/tunnel/tunnel-protocol';
import http2 from 'node:http2';
import type { Http2Session, ServerHttp2Stream, IncomingHttpHeaders } from 'node:http2';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream';
import { WebSocket, createWebSocketStream } from 'ws';
import { parseDialTarget } from '../../domain/tunnel/connector-routes.js';
import type { ConnectorDialer } from './connector-dialer.js';

export interface TunnelClientOptions {
  /** The access server, e.g. https://access.example.com. */
  server: string;
  /** The agent credential, read at each dial (renewal replaces it). */
  token: () => string | undefined;
  /** Where each accepted stream goes (the SSH front). */
  accept: (stream: Duplex, remote: { address: string; port: number }, person: string) => void;
  /** A connector's dials to private addresses (`--route`); absent: every dial is refused. */
  connector?: ConnectorDialer;
  log: (line: string) => void;
  /** Random in [0, 1): the backoff's jitter. */
  random: () => number;
  /** Extra CA certificates (PEM) for an HTTPS server with a private CA. */
  ca?: string | Buffer;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Default 45 s. */
  deadAfterMs?: number;
}

export class TunnelClient {
  private attempt = 0;
  private connected = false;
  private current: WebSocket | undefined;
  private session: Http2Session | undefined;
  private readonly streams = new Set<ServerHttp2Stream>();

  constructor(private readonly options: TunnelClientOptions) {}

  /** Whether a link is up now. */
  get up(): boolean {
    return this.connected;
  }

  /** Holds the link until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const outcome = await this.holdOnce(signal);
      if (signal.aborted) break;
      let delay: number;
      if (outcome === 'moved') {
        delay = this.options.random() * 250;
      } else {
        const base = this.options.baseDelayMs ?? 500;
        const cap = this.options.maxDelayMs ?? 30_000;
        delay = this.options.random() * Math.min(cap, base * 2 ** this.attempt);
        this.attempt = Math.min(this.attempt + 1, 16);
      }
      await sleep(delay, signal);
    }
    for (const stream of this.streams) stream.destroy();
  }

  /** One link, from dial to close: 'moved' when the server said it is going away. */
  private holdOnce(signal: AbortSignal): Promise<'moved' | 'lost'> {
    return new Promise((resolve) => {
      const url = `${this.options.server.replace(/\/+$/, '').replace(/^http/, 'ws')}/v1/tunnel/agent`;
      const token = this.options.token();
      const ws = new WebSocket(url, AGENT_SUBPROTOCOL, {
        headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
        perMessageDeflate: false,
        handshakeTimeout: 15_000,
        ...(this.options.ca === undefined ? {} : { ca: this.options.ca }),
      });
      this.current = ws;
      let moved = false;
      let lastHeard = Date.now();
      const deadAfter = this.options.deadAfterMs ?? 45_000;
      const watchdog = setInterval(
        () => {
          if (Date.now() - lastHeard > deadAfter) {
            this.options.log(`tunnel: no word from the server for ${deadAfter} ms; dialling again`);
            ws.terminate();
          }
        },
        Math.min(5000, deadAfter / 3),
      );
      watchdog.unref();
      const onAbort = () => {
        this.session?.close();
        ws.close(1001, 'agent stopping');
        setTimeout(() => ws.terminate(), 1000).unref();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      ws.on('unexpected-response', (_request, response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let message = text.slice(0, 300);
          try {
            const parsed = JSON.parse(text) as { errors?: { message?: string }[] };
            message = parsed.errors?.[0]?.message ?? message;
          } catch {
            // not the envelope
          }
          this.noteLost(`the server refused the tunnel (HTTP ${response.statusCode}): ${message}`);
          ws.terminate();
        });
      });
      ws.on('error', (error) => this.noteLost(`tunnel: ${error.message}`));
      ws.on('ping', () => (lastHeard = Date.now()));
      ws.on('message', () => (lastHeard = Date.now()));
      ws.on('open', () => {
        lastHeard = Date.now();
        this.attempt = 0;
        this.connected = true;
        this.lastProblem = undefined;
        this.options.log(`tunnel: connected to ${this.options.server}`);
        const bytes = createWebSocketStream(ws);
        bytes.on('error', () => undefined);
        const session = http2.performServerHandshake(bytes, {
          settings: {
            initialWindowSize: TUNNEL_STREAM_WINDOW,
            maxConcurrentStreams: TUNNEL_STREAMS_PER_LINK,
            enablePush: false,
          },
        });
        this.session = session;
        session.on('error', () => undefined);
        session.on('remoteSettings', () => session.setLocalWindowSize(TUNNEL_CONNECTION_WINDOW));
        session.on('goaway', () => {
          moved = true;
          this.options.log('tunnel: the server is going away; dialling again');
        });
        session.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) =>
          this.onStream(stream, headers),
        );
      });
      ws.on('close', (code) => {
        clearInterval(watchdog);
        signal.removeEventListener('abort', onAbort);
        if (code === 1012) moved = true;
        if (this.connected) this.options.log(`tunnel: link closed (${code})`);
        this.connected = false;
        this.session?.destroy();
        this.session = undefined;
        this.current = undefined;
        resolve(moved ? 'moved' : 'lost');
      });
    });
  }

  private lastProblem: string | undefined;

  /** Logs a failure once while it repeats (a server down for an hour is one line, not 200). */
  private noteLost(problem: string): void {
    if (problem === this.lastProblem) return;
    this.lastProblem = problem;
    this.options.log(problem);
  }

  private onStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    stream.on('error', () => undefined);
    const person = String(headers['latchkey-user'] ?? 'unknown');
    const streamId = String(headers['latchkey-stream-id'] ?? '?');
    if (headers[':method'] !== 'CONNECT') {
      stream.respond({ ':status': 405 }, { endStream: true });
      return;
    }
    const remote = parseAddress(headers['latchkey-client-addr']);
    const dial = headers['latchkey-dial'];
    if (dial !== undefined) {
      void this.dialFor(stream, String(dial), person, streamId, remote.address);
      return;
    }
    this.options.log(`tunnel: stream ${streamId} from ${person} (${remote.address}) to the ssh front`);
    stream.respond({ ':status': 200 });
    this.streams.add(stream);
    stream.on('close', () => this.streams.delete(stream));
    this.options.accept(stream, remote, person);
  }

  /**
   * A stream for a private address (this agent as a connector): dialled only inside its `--route`
   * ranges; the answer is 200 once connected, else 403 (not in its routes), 502 or 504 with the reason
   * in `latchkey-error`, which the access server tells the person.
   */
  private async dialFor(
    stream: ServerHttp2Stream,
    dial: string,
    person: string,
    streamId: string,
    from: string,
  ): Promise<void> {
    const target = parseDialTarget(dial);
    const refuse = (status: number, reason: string) => {
      this.options.log(
        `tunnel: stream ${streamId} from ${person} (${from}): refused to dial ${dial}: ${reason}`,
      );
      if (!stream.destroyed)
        stream.respond({ ':status': status, 'latchkey-error': reason }, { endStream: true });
    };
    if (target === undefined) return refuse(400, 'not an address and port');
    const { connector } = this.options;
    if (connector === undefined) return refuse(403, 'this agent is no connector (it has no --route)');
    const outcome = await connector.dial(target.address, target.port);
    if (!outcome.ok) return refuse(outcome.status, outcome.reason);
    const { socket } = outcome;
    if (stream.destroyed) {
      socket.destroy();
      return;
    }
    this.options.log(`tunnel: stream ${streamId} from ${person} (${from}) dials ${dial}`);
    stream.respond({ ':status': 200 });
    this.streams.add(stream);
    stream.on('close', () => this.streams.delete(stream));
    // Both ways with backpressure; either side ending or failing ends the other.
    pipeline(stream, socket, stream, () => {
      socket.destroy();
      stream.destroy();
    });
  }

  /** Cuts the link now (tests). */
  cut(): void {
    this.current?.terminate();
  }
}

function parseAddress(header: string | string[] | undefined): { address: string; port: number } {
  const text = Array.isArray(header) ? header[0] : header;
  // The person's address as the access server saw it; the front uses it for its limits and logs.
  return { address: text !== undefined && text !== '' ? text : '0.0.0.0', port: 0 };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
