/**
 * The agent's end of the tunnel (docs/tunnels.md): it dials out to the access server's own HTTP(S) port
 * (`GET /v1/tunnel/agent`, a WebSocket, bearer agent credential) and holds the link for good. Inside the
 * WebSocket runs HTTP/2 in reversed roles: this agent is the HTTP/2 server, the access server its client,
 * which opens one CONNECT stream per person's SSH connection. Each stream is handed to the SSH front
 * in-process (SshFront.acceptStream), or, for a connector, dialled to a private address inside the
 * agent's own `--route` ranges (connector-dialer.ts); the agent dials nothing else.
 *
 * Liveness: the server pings every 20 s; no ping (nor other traffic) for `deadAfterMs` and the link is cut.
 * A cut link is dialled again after a full-jitter exponential backoff (0.5 s doubling, capped at 4 s for an
 * outage's first minute and 30 s after: domain/tunnel/redial-delay.ts), for ever: never a restart. A server shutting down sends GOAWAY and closes with 1012:
 * the agent dials again at once (a short jitter), not after the backoff.
 *
 * Several servers: a server tells the agent the live servers on its link (a POST of TUNNEL_SERVERS_PATH);
 * the agent then holds a second link to another of them (`links`, default 2), and a first link that
 * cannot reach its server goes round the others (domain/tunnel/server-choice.ts). Streams come on either.
 * Each link names itself on its upgrade (TUNNEL_LINK_HEADER); a server holding the other link answers 409,
 * and this link dials another server, as a lost link does (after the backoff).
 */
import {
  AGENT_SUBPROTOCOL,
  TUNNEL_CONNECTION_WINDOW,
  TUNNEL_LINK_CONFLICT_CLOSE,
  TUNNEL_LINK_HEADER,
  TUNNEL_SERVERS_PATH,
  TUNNEL_STREAM_WINDOW,
  TUNNEL_STREAMS_PER_LINK,
} from '@latchkey/shared/tunnel/tunnel-protocol';
import http2 from 'node:http2';
import type { Http2Session, ServerHttp2Stream, IncomingHttpHeaders } from 'node:http2';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream';
import { WebSocket, createWebSocketStream } from 'ws';
import { redialDelayMs, type RedialPolicy } from '../../domain/tunnel/redial-delay.js';
import { parseDialTarget } from '../../domain/tunnel/connector-routes.js';
import {
  parseServersAdvertisement,
  serverToDial,
  type KnownServer,
} from '../../domain/tunnel/server-choice.js';
import type { ConnectorDialer } from './connector-dialer.js';

export interface TunnelClientOptions {
  /** The access server, e.g. https://access.example.com (the URL the agent enrolled with). */
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
  /** The backoff between dials of a lost link (tests shorten it). */
  redial?: RedialPolicy;
  /** Default 45 s. */
  deadAfterMs?: number;
  /** Links to distinct servers held at once where there are several: 1 or 2 (default 2). */
  links?: 1 | 2;
}

/** The largest advertisement body read (a few dozen servers' ids and URLs). */
const MAX_ADVERTISEMENT_BYTES = 64 * 1024;

/** One link's state: the server it dials and holds. */
class LinkSlot {
  attempt = 0;
  failures = 0;
  /** When the link was last lost (or first failed to come up), while it is down. */
  downSince: number | undefined;
  connected = false;
  /** The server this link is on (or was last on), once it said so. */
  serverId: string | undefined;
  url: string | undefined;
  current: WebSocket | undefined;
  session: Http2Session | undefined;
  /** Closed by the agent because the other link holds the same server. */
  yielding = false;

  constructor(readonly index: 0 | 1) {}
}

export class TunnelClient {
  private readonly slots: LinkSlot[];
  private readonly streams = new Set<ServerHttp2Stream>();
  private known: KnownServer[] = [];
  /** Wakes links waiting for news of servers. */
  private wake: (() => void) | undefined;
  private lastProblem: string | undefined;

  constructor(private readonly options: TunnelClientOptions) {
    this.slots = options.links === 1 ? [new LinkSlot(0)] : [new LinkSlot(0), new LinkSlot(1)];
  }

  /** Whether a link is up now. */
  get up(): boolean {
    return this.slots.some((slot) => slot.connected);
  }

  /** The servers the links are connected to now (their URLs). */
  get connectedTo(): string[] {
    return this.slots.filter((slot) => slot.connected && slot.url !== undefined).map((slot) => slot.url!);
  }

  /** Holds the links until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    await Promise.all(this.slots.map((slot) => this.runSlot(slot, signal)));
    for (const stream of this.streams) stream.destroy();
  }

  private other(slot: LinkSlot): LinkSlot | undefined {
    return this.slots.find((each) => each !== slot);
  }

  private async runSlot(slot: LinkSlot, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const url = serverToDial({
        slot: slot.index,
        enrolledUrl: this.options.server,
        known: this.known,
        ...(this.other(slot)?.serverId === undefined ? {} : { otherServerId: this.other(slot)!.serverId! }),
        ...(slot.serverId === undefined ? {} : { ownServerId: slot.serverId }),
        failures: slot.failures,
      });
      if (url === undefined) {
        await this.waitForNews(signal);
        continue;
      }
      const outcome = await this.holdOnce(slot, url, signal);
      if (signal.aborted) break;
      let delay: number;
      if (outcome === 'moved' || outcome === 'duplicate') {
        delay = this.options.random() * 250;
        slot.failures += 1;
      } else {
        slot.downSince ??= Date.now();
        delay = redialDelayMs(
          slot.attempt,
          Date.now() - slot.downSince,
          this.options.random(),
          this.options.redial,
        );
        slot.attempt = Math.min(slot.attempt + 1, 16);
        slot.failures += 1;
      }
      await sleep(delay, signal);
    }
  }

  private waitForNews(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const previous = this.wake;
      const done = () => {
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.wake = () => {
        previous?.();
        done();
      };
      signal.addEventListener('abort', done, { once: true });
    });
  }

  private news(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** A link learnt which server it is on (and the live servers): the second link gives way to the first. */
  private onAdvertised(slot: LinkSlot, serverId: string): void {
    slot.serverId = serverId;
    const second = this.slots[1];
    const first = this.slots[0]!;
    if (second !== undefined && first.connected && second.connected && first.serverId === second.serverId) {
      this.options.log(`tunnel: both links reached server ${serverId}; the second dials another`);
      second.serverId = undefined;
      second.yielding = true;
      second.current?.close(1000, 'a link to this server is held already');
    }
    this.news();
  }

  /** One link, from dial to close: 'moved' when the server said it is going away. */
  private holdOnce(
    slot: LinkSlot,
    server: string,
    signal: AbortSignal,
  ): Promise<'moved' | 'lost' | 'duplicate'> {
    return new Promise((resolve) => {
      const url = `${server.replace(/\/+$/, '').replace(/^http/, 'ws')}/v1/tunnel/agent`;
      const token = this.options.token();
      const ws = new WebSocket(url, AGENT_SUBPROTOCOL, {
        headers: {
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
          // Which of this agent's links this is: a server holding the other one refuses it (409).
          [TUNNEL_LINK_HEADER]: String(slot.index),
        },
        perMessageDeflate: false,
        handshakeTimeout: 15_000,
        ...(this.options.ca === undefined ? {} : { ca: this.options.ca }),
      });
      slot.current = ws;
      slot.url = server;
      let moved = false;
      let duplicate = false;
      let lastHeard = Date.now();
      const deadAfter = this.options.deadAfterMs ?? 45_000;
      const watchdog = setInterval(
        () => {
          if (Date.now() - lastHeard > deadAfter) {
            this.options.log(`tunnel: no word from ${server} for ${deadAfter} ms; dialling again`);
            ws.terminate();
          }
        },
        Math.min(5000, deadAfter / 3),
      );
      watchdog.unref();
      const onAbort = () => {
        slot.session?.close();
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
          // 409: this agent's other link is on that server (a load balancer sent this one there). A lost
          // link's way: the next dial goes to another server, after the backoff, so that a balancer that
          // keeps sending it there (the only server left) is not hammered.
          this.noteLost(`the server refused the tunnel (HTTP ${response.statusCode}): ${message}`);
          ws.terminate();
        });
      });
      ws.on('error', (error) => this.noteLost(`tunnel: ${error.message}`));
      ws.on('ping', () => (lastHeard = Date.now()));
      ws.on('message', () => (lastHeard = Date.now()));
      ws.on('open', () => {
        lastHeard = Date.now();
        slot.attempt = 0;
        slot.failures = 0;
        slot.downSince = undefined;
        slot.connected = true;
        this.lastProblem = undefined;
        this.options.log(`tunnel: connected to ${server}`);
        const bytes = createWebSocketStream(ws);
        bytes.on('error', () => undefined);
        const session = http2.performServerHandshake(bytes, {
          settings: {
            initialWindowSize: TUNNEL_STREAM_WINDOW,
            maxConcurrentStreams: TUNNEL_STREAMS_PER_LINK,
            enablePush: false,
          },
        });
        slot.session = session;
        session.on('error', () => undefined);
        session.on('remoteSettings', () => session.setLocalWindowSize(TUNNEL_CONNECTION_WINDOW));
        session.on('goaway', () => {
          moved = true;
          this.options.log(`tunnel: ${server} is going away; dialling again`);
        });
        session.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) =>
          this.onStream(slot, stream, headers),
        );
      });
      ws.on('close', (code) => {
        clearInterval(watchdog);
        signal.removeEventListener('abort', onAbort);
        if (code === 1012) moved = true;
        if (code === TUNNEL_LINK_CONFLICT_CLOSE) {
          this.noteLost(`tunnel: ${server} holds this agent's other link; dialling another`);
        }
        if (slot.yielding) duplicate = true;
        slot.yielding = false;
        if (slot.connected) this.options.log(`tunnel: link closed (${code})`);
        slot.connected = false;
        slot.session?.destroy();
        slot.session = undefined;
        slot.current = undefined;
        resolve(duplicate ? 'duplicate' : moved ? 'moved' : 'lost');
      });
    });
  }

  /** Logs a failure once while it repeats (a server down for an hour is one line, not 200). */
  private noteLost(problem: string): void {
    if (problem === this.lastProblem) return;
    this.lastProblem = problem;
    this.options.log(problem);
  }

  private onStream(slot: LinkSlot, stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    stream.on('error', () => undefined);
    if (headers[':method'] === 'POST' && headers[':path'] === TUNNEL_SERVERS_PATH) {
      this.readAdvertisement(slot, stream);
      return;
    }
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

  /** The live servers, as the server on this link tells them (answered 204, or 400 when unreadable). */
  private readAdvertisement(slot: LinkSlot, stream: ServerHttp2Stream): void {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_ADVERTISEMENT_BYTES) {
        stream.respond({ ':status': 413 }, { endStream: true });
        stream.destroy();
        return;
      }
      chunks.push(chunk);
    });
    stream.on('end', () => {
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = undefined;
      }
      const advertisement = parseServersAdvertisement(body, this.options.server);
      if (stream.destroyed) return;
      if (advertisement === undefined) {
        stream.respond({ ':status': 400 }, { endStream: true });
        return;
      }
      stream.respond({ ':status': 204 }, { endStream: true });
      const before = this.known.map((server) => server.url).join(' ');
      this.known = advertisement.servers;
      const after = this.known.map((server) => server.url).join(' ');
      if (after !== before && this.slots.length > 1) {
        this.options.log(`tunnel: the live servers are ${after === '' ? 'none' : after}`);
      }
      this.onAdvertised(slot, advertisement.self.id);
    });
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

  /** Cuts the links now (tests). */
  cut(): void {
    for (const slot of this.slots) slot.current?.terminate();
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
