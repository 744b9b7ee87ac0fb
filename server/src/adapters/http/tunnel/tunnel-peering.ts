/**
 * Several servers on one database (issue #14, docs/tunnels.md "Several servers"): this process's presence
 * (its row, its heartbeat, the agent links it holds), the live peers it tells its agents about, and the
 * one hop it forwards a person's stream over to the peer that holds the agent's link.
 *
 * The hop is one WebSocket per stream to the peer's own HTTP(S) port (`GET /v1/tunnel/peer`, sub-protocol
 * PEER_SUBPROTOCOL), carrying the stream's bytes as binary messages, with the signed request
 * (domain/tunnel-peering.ts) in a header. The peer opens the stream on its agent's link before it answers
 * 101, so a refusal (the agent gone, the connector refusing the address) is its HTTP answer.
 *
 * Inactive until the server listens (`start`): a server built for tests with `inject` has no presence.
 */
import { PEER_SUBPROTOCOL } from '@latchkey/shared/tunnel/tunnel-protocol';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Duplex } from 'node:stream';
import { WebSocket, createWebSocketStream } from 'ws';
import type { Services } from '../../../app/services.js';
import type { TunnelAgentLinkRecord, TunnelServerRecord } from '../../../app/ports/store.js';
import {
  beatPresence,
  loadPeerSecret,
  peersHolding,
  type PresenceSelf,
} from '../../../app/tunnel/tunnel-presence.js';
import {
  PEER_DIAL_TIMEOUT_MS,
  PEER_REQUEST_HEADER,
  PEER_REQUEST_LIFETIME_MS,
  PRESENCE_HEARTBEAT_MS,
  SeenPeerStreams,
  listenUrl,
  signPeerRequest,
  verifyPeerRequest,
  type PeerRequestVerdict,
  type PeerStreamRequest,
} from '../../../domain/tunnel-peering.js';
import { isSecurePeerUrl } from '../../../domain/server-config.js';
import type { StreamOpening, TunnelTimings } from './agent-links.js';

export interface TunnelPeeringSettings {
  /** Where the other servers reach this process; default: the address it listens on. */
  peerUrl?: string;
  /**
   * What agents are told to dial for a second link to this process; default: the peer URL or the public
   * URL the operator gave, else the --listen address when it names a host. Never a URL made from the OS
   * host name: a server listening on a wildcard address with none of these is not announced to agents.
   */
  tunnelUrl?: string;
  /** The public URL the operator gave (--public-url), if any. */
  publicUrl?: string;
  /** The hop to peers may be plain http to a non-loopback address (--allow-insecure-peers). */
  allowInsecurePeers?: boolean;
}

/**
 * What an agent link is told: the server it reached (its URL when it is announced), and the live servers
 * agents may dial, only while more than one server is live (empty otherwise).
 */
export interface ServersAdvertisement {
  self: { id: string; url?: string };
  servers: { id: string; url: string }[];
}

/** The tunnel URL of a server that is not announced to agents (the column is not null). */
const NOT_ANNOUNCED = '';

export class TunnelPeering {
  /** This process's presence id: a new one at each start. */
  readonly id = randomUUID();
  private self: PresenceSelf | undefined;
  private key: Uint8Array | undefined;
  private live: TunnelServerRecord[] = [];
  private liveKey = '';
  private beater: ReturnType<typeof setInterval> | undefined;
  /** The beat running now: stop() waits for it, so that it cannot register a stopped server again. */
  private beating: Promise<void> | undefined;
  private stopping = false;
  /**
   * Whether this process writes its link rows: only while another server is alive. A lone server writes
   * none (no one would read them; 10,000 agents connecting are no 10,000 writes); when a peer appears, the
   * next beat writes every link it holds, and each link that comes or goes after that.
   */
  private shared = false;
  /**
   * A link write failed (the row may be missing, or a ghost): the next beat writes every held link afresh.
   */
  private linksInDoubt = false;
  /** This process's presence writes, one after another in the order they happened. */
  private writes: Promise<unknown> = Promise.resolve();
  private readonly seen = new SeenPeerStreams();

  constructor(
    private readonly services: Services,
    private readonly settings: TunnelPeeringSettings,
    private readonly log: { info(line: string): void; warn(line: string): void },
    /** The links this process holds now (re-registered after a prune). */
    private readonly held: () => readonly { agentId: string; accountId: string }[],
    /** Called when the live servers change: the links are told again. */
    private readonly onServersChanged: () => void,
  ) {}

  get started(): boolean {
    return this.self !== undefined && this.key !== undefined;
  }

  /** This process's peer URL once started (audit events name the servers a stream went through). */
  get url(): string | undefined {
    return this.self?.peerUrl;
  }

  /**
   * Registers this process, once it listens on `address`. A peer URL made from `address` that is plain
   * http to a non-loopback address (not allowed) leaves it unregistered, said at info level; a given one
   * throws (main.ts refuses it before this).
   */
  async start(address: { secure: boolean; host: string; port: number }): Promise<void> {
    const wildcard = address.host === '0.0.0.0' || address.host === '::';
    const peerUrl =
      this.settings.peerUrl ??
      listenUrl(address.secure ? 'https' : 'http', wildcard ? hostname() : address.host, address.port);
    if (!this.settings.allowInsecurePeers && !isSecurePeerUrl(peerUrl)) {
      if (this.settings.peerUrl === undefined) {
        // Made from --listen (a lone server behind a TLS proxy, with --allow-insecure-http): nothing is
        // wrong until it has peers, so it is told, not flagged at each start. It stays out of presence.
        this.log.info(
          `tunnel: this server neither forwards nor is forwarded to (its peer URL ${peerUrl}, made from ` +
            '--listen, is plain http to a non-loopback address): give --peer-url https://… for several servers',
        );
        return;
      }
      // Peers would forward people's streams and their credentials here unencrypted.
      throw new Error(
        `the peer URL ${peerUrl} is plain http to a non-loopback address: give --peer-url https://..., ` +
          'serve HTTPS, or --allow-insecure-peers on a private network',
      );
    }
    const tunnelUrl =
      this.settings.tunnelUrl ??
      this.settings.peerUrl ??
      this.settings.publicUrl ??
      (wildcard ? NOT_ANNOUNCED : peerUrl);
    const self = { id: this.id, peerUrl, tunnelUrl };
    this.key = await loadPeerSecret(this.services);
    await this.services.store.tunnelPresence.registerServer(self);
    this.self = self;
    await this.beat();
    this.beater = setInterval(() => void this.beat(), PRESENCE_HEARTBEAT_MS);
    this.beater.unref();
    this.log.info(
      `tunnel: server ${self.id} reachable by its peers at ${peerUrl}, ` +
        (tunnelUrl === NOT_ANNOUNCED
          ? 'not announced to agents (it listens on a wildcard address: give --tunnel-url)'
          : `by agents at ${tunnelUrl}`),
    );
  }

  /** A clean stop: this process's rows go, so peers stop forwarding to it at once. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.beater !== undefined) clearInterval(this.beater);
    await this.beating;
    const self = this.self;
    this.self = undefined;
    if (self !== undefined) {
      await this.serialized(() => this.services.store.tunnelPresence.removeServer(self.id)).catch(
        () => undefined,
      );
    }
  }

  /** Runs a presence write after the ones before it: a link's removal never overtakes its addition. */
  private serialized<T>(write: () => Promise<T>): Promise<T> {
    const next = this.writes.then(write);
    this.writes = next.catch(() => undefined);
    return next;
  }

  private beat(): Promise<void> {
    if (this.beating !== undefined) return this.beating;
    this.beating = this.beatOnce().finally(() => (this.beating = undefined));
    return this.beating;
  }

  private async beatOnce(): Promise<void> {
    const self = this.self;
    if (self === undefined || this.stopping) return;
    try {
      this.live = await this.serialized(() => beatPresence(this.services, self, this.held));
      const others = this.live.some((server) => server.id !== self.id);
      if (others && (!this.shared || this.linksInDoubt)) {
        // From now on each link is written as it comes or goes (queued after this); the rows are right
        // once this write succeeded (a failure throws, and the next beat writes them again).
        this.shared = true;
        this.linksInDoubt = false;
        await this.serialized(() => this.services.store.tunnelPresence.replaceLinks(self.id, this.held()));
      } else if (!others) {
        this.shared = false;
      }
      const key = this.live.map((server) => `${server.id} ${server.tunnelUrl}`).join('\n');
      if (key !== this.liveKey) {
        this.liveKey = key;
        this.onServersChanged();
      }
    } catch (error) {
      // The database is away: the links this process holds still work; peers will see it stale. The
      // link rows are written afresh once it is back.
      this.shared = false;
      this.log.warn(`tunnel: presence heartbeat failed: ${(error as Error).message}`);
    }
  }

  /** What this process's agents are told (undefined before start). */
  advertisement(): ServersAdvertisement | undefined {
    const self = this.self;
    if (self === undefined) return undefined;
    const servers = this.live.some((server) => server.id === self.id)
      ? this.live
      : [...this.live, { ...self, startedAt: new Date(0), heartbeatAt: new Date(0) }];
    // One server: nothing to announce (an agent's links then go to the URL it enrolled with only).
    const announced =
      servers.length > 1 ? servers.filter((server) => server.tunnelUrl !== NOT_ANNOUNCED) : [];
    return {
      self: { id: self.id, ...(self.tunnelUrl === NOT_ANNOUNCED ? {} : { url: self.tunnelUrl }) },
      servers: announced.map((server) => ({ id: server.id, url: server.tunnelUrl })),
    };
  }

  linkAdded(link: { agentId: string; accountId: string }): void {
    const self = this.self;
    if (self === undefined || !this.shared) return;
    this.serialized(() => this.services.store.tunnelPresence.addLink(self.id, link)).catch((error: Error) =>
      this.linkWriteFailed(link.agentId, error),
    );
  }

  linkRemoved(link: { agentId: string }): void {
    const self = this.self;
    if (self === undefined || !this.shared) return;
    this.serialized(() => this.services.store.tunnelPresence.removeLink(self.id, link.agentId)).catch(
      (error: Error) => this.linkWriteFailed(link.agentId, error),
    );
  }

  /** A link's row may now be missing or a ghost: repaired by the next beat. */
  private linkWriteFailed(agentId: string, error: Error): void {
    this.linksInDoubt = true;
    this.log.warn(`tunnel: presence of agent ${agentId}: ${error.message} (written afresh at the next beat)`);
  }

  /** The live peers holding a link of one of `agentIds` of `accountId`, the newest link first. */
  async peersHolding(accountId: string, agentIds: readonly string[]): Promise<TunnelAgentLinkRecord[]> {
    if (!this.started) return [];
    const links = await peersHolding(this.services, this.id, agentIds);
    return links.filter((link) => link.accountId === accountId);
  }

  /** Checks a peer's request (its header); an accepted stream id is never accepted again. */
  verify(token: string | undefined): PeerRequestVerdict {
    const key = this.key;
    if (key === undefined || this.self === undefined) return { ok: false, reason: 'not_for_me' };
    const nowMs = this.services.clock().getTime();
    const verdict = verifyPeerRequest(key, token, {
      self: this.self.id,
      nowMs,
      seen: (stream) => this.seen.has(stream, nowMs),
    });
    if (verdict.ok) this.seen.add(verdict.request.stream, nowMs);
    return verdict;
  }

  /**
   * Forwards one stream, one hop, to the first of `peers` that opens it on its agent's link. The caller
   * has authenticated the person and checked the policy. Resolves with the stream's bytes and the peer
   * that carries them; rejects with a PeerForwardingError, whose message is for the server log only (it
   * names peers' addresses and repeats what they said).
   */
  async forward(
    peers: readonly TunnelAgentLinkRecord[],
    opening: StreamOpening,
    timings: TunnelTimings,
  ): Promise<{ stream: Duplex; via: TunnelAgentLinkRecord }> {
    const key = this.key;
    const self = this.self;
    if (key === undefined || self === undefined) throw new PeerForwardingError('this server has no peers');
    let last = new PeerForwardingError('no peer holds its link');
    for (const peer of peers) {
      const iat = this.services.clock().getTime();
      const request: PeerStreamRequest = {
        v: 1,
        from: self.id,
        to: peer.serverId,
        agent: peer.agentId,
        account: peer.accountId,
        stream: opening.streamId,
        person: opening.person,
        ...(opening.clientAddress === undefined ? {} : { client: opening.clientAddress }),
        port: opening.port,
        ...(opening.dial === undefined ? {} : { dial: opening.dial }),
        iat,
        exp: iat + PEER_REQUEST_LIFETIME_MS,
      };
      try {
        return { stream: await dialPeer(peer.peerUrl, signPeerRequest(key, request), timings), via: peer };
      } catch (error) {
        const reason = error as Error;
        last =
          reason instanceof PeerForwardingError
            ? reason
            : new PeerForwardingError(`${peer.peerUrl}: ${reason.message}`);
        this.log.warn(`tunnel: forwarding stream ${opening.streamId} to ${peer.peerUrl}: ${reason.message}`);
      }
    }
    throw last;
  }
}

/**
 * A stream that could not be forwarded. `message` is for the server log; `agentAnswer` is the agent's own
 * refusal, relayed by the peer (a connector's reason, which a person is told as they would be directly).
 */
export class PeerForwardingError extends Error {
  constructor(
    message: string,
    readonly agentAnswer?: string,
  ) {
    super(message);
  }
}

/** What a peer's refusal says the agent answered, if it was the agent that refused (agent-links.ts). */
const AGENT_REFUSAL = /^the agent refused the stream \(HTTP \d{3}(?:: [^\n]{0,200})?\)$/;

/** One forwarded stream: resolves once the peer answered 101 (it opened the agent's stream). */
function dialPeer(peerUrl: string, token: string, timings: TunnelTimings): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const url = `${peerUrl.replace(/\/+$/, '').replace(/^http/, 'ws')}/v1/tunnel/peer`;
    const ws = new WebSocket(url, PEER_SUBPROTOCOL, {
      headers: { [PEER_REQUEST_HEADER]: token },
      perMessageDeflate: false,
      handshakeTimeout: PEER_DIAL_TIMEOUT_MS,
      maxPayload: 16 * 1024 * 1024,
    });
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      ws.terminate();
      reject(error);
    };
    ws.on('unexpected-response', (_request, response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let message = text.slice(0, 300);
        try {
          message = (JSON.parse(text) as { errors?: { message?: string }[] }).errors?.[0]?.message ?? message;
        } catch {
          // not the envelope
        }
        fail(
          new PeerForwardingError(
            `${peerUrl} answered ${response.statusCode}: ${message}`,
            AGENT_REFUSAL.test(message) ? message : undefined,
          ),
        );
      });
    });
    ws.on('error', (error) => fail(new PeerForwardingError(`${peerUrl}: ${error.message}`)));
    ws.on('open', () => {
      settled = true;
      // The peer is cut when it stops answering, as a person's client is.
      let lastPong = Date.now();
      ws.on('pong', () => (lastPong = Date.now()));
      const pinger = setInterval(() => {
        if (Date.now() - lastPong > timings.deadAfterMs) ws.terminate();
        else ws.ping();
      }, timings.pingIntervalMs);
      pinger.unref();
      ws.on('close', () => clearInterval(pinger));
      const bytes = createWebSocketStream(ws);
      bytes.on('error', () => undefined);
      resolve(bytes);
    });
  });
}
