/**
 * The tunnel's endpoints on the server's own HTTP(S) port (docs/tunnels.md), outside the OpenAPI routes
 * because they are WebSocket upgrades:
 *
 * - `GET /v1/tunnel/agent` (agents, bearer agent credential): the agent's link, one WebSocket carrying
 *   HTTP/2 in reversed roles (agent-links.ts).
 * - `GET /v1/tunnel/connect?target=<id|hostname>[&port=N]` (people, bearer access token): one WebSocket
 *   per SSH connection, its binary messages the connection's bytes. Authentication and policy run before
 *   the upgrade: a refusal is an HTTP answer with the error envelope, and nothing reaches the agent.
 *   A WebSocket rather than HTTP CONNECT: it passes the L7 load balancers and proxies that HTTPS passes,
 *   and browsers' and VS Code's stacks speak it.
 * - `GET /v1/tunnel/peer` (other servers, a signed request; tunnel-peering.ts): one stream forwarded by
 *   the server that authorised the person, opened on this server's link of the agent, never forwarded on.
 * - `GET /v1/tunnel/targets` (people): the ids of the targets they may reach that have a tunnel now.
 *
 * With several servers on one database, a stream for an agent whose link is on another live server is
 * forwarded one hop to it (tunnel-peering.ts); agents are told the live servers and keep a second link.
 *
 * Each stream is audited when it opens and closes (bytes both ways, duration); a sign-in that is revoked
 * or signed out closes its streams; closing the server tells every agent to move (GOAWAY) first.
 */
import {
  AGENT_SUBPROTOCOL,
  TUNNEL_LINK_CONFLICT_CLOSE,
  TUNNEL_LINK_HEADER,
  PEER_SUBPROTOCOL,
  STREAM_SUBPROTOCOL,
  TUNNEL_STREAM_MAX_MESSAGE,
  TUNNEL_STREAMS_PER_PERSON,
} from '@latchkey/shared/tunnel/tunnel-protocol';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { ERROR_CODES, LatchkeyError, errorItemFor, failureEnvelope, successEnvelope } from '@latchkey/shared';
import type { FastifyInstance } from 'fastify';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { WebSocket } from 'ws';
import { authenticate } from '../../../app/api-tokens.js';
import { agentOfCaller } from '../../../app/agents/agent-caller.js';
import type { Services } from '../../../app/services.js';
import { authenticatePerson } from '../../../app/sign-in/sign-in-sessions.js';
import type { PersonCaller } from '../../../app/sign-in/person-caller.js';
import { listMyTargets, type ReachableTarget } from '../../../app/sign-in/my-access.js';
import {
  agentLinkStillValid,
  authorizeTunnelStream,
  recordTunnelStreamClosed,
  recordTunnelStreamOpened,
  signInStillValid,
} from '../../../app/tunnel/tunnel-access.js';
import type { TunnelStreamRecord } from '../../../app/tunnel/tunnel-access.js';
import { parseAddress, routeFor } from '../../../domain/cidr.js';
import { clientAddress } from '../../../domain/client-address.js';
import {
  PEER_REQUEST_HEADER,
  type PeerRequestVerdict,
  type PeerStreamRequest,
} from '../../../domain/tunnel-peering.js';
import type { TunnelRouteRecord } from '../../../domain/records.js';
import { rateLimitSubject } from '../../../domain/rate-limit-subject.js';
import { AGENT_PERMISSION, grants } from '../../../domain/permissions.js';
import type { RateLimit } from '../../../domain/sign-in-limits.js';
import { RateLimiter } from '../../../app/sign-in/sign-in-throttle.js';
import { AgentLink, AgentLinks, DEFAULT_TUNNEL_TIMINGS } from './agent-links.js';
import type { TunnelTimings } from './agent-links.js';
import { PeerForwardingError, TunnelPeering, type TunnelPeeringSettings } from './tunnel-peering.js';

/** How often open streams' sign-ins are checked again even when no termination was stored. */
const RECHECK_MS = 10_000;

/**
 * Stream upgrades per client address, before anything is authenticated or looked up: enough for a
 * configuration tool opening a connection to each of many hosts at once, not for a flood.
 */
const STREAM_UPGRADES_PER_ADDRESS: RateLimit = { burst: 120, perMinute: 600 };

/**
 * Forwarded-stream upgrades (`/v1/tunnel/peer`) per address whose peer credential failed: a flood of
 * forgeries is cut to it. Genuine peer requests are not charged (see gatePeerUpgrade).
 */
export const PEER_UPGRADES_PER_ADDRESS: RateLimit = { burst: 500, perMinute: 6000 };

/**
 * The gate of a forwarded-stream upgrade, once its peer credential was checked (one HMAC, cheap): a
 * genuine peer's request passes whatever its address, since one peer address carries every person it
 * forwards and each was rate-limited on the server they reached (a shared bucket would let one person's
 * churn refuse everyone else's streams); a failed one is charged to its address, answered
 * `unauthenticated` while the budget lasts and `unavailable` (503) once a flood has spent it.
 */
export function gatePeerUpgrade(
  verdict: PeerRequestVerdict,
  address: string | undefined,
  limiter: RateLimiter,
): PeerStreamRequest {
  if (verdict.ok) return verdict.request;
  const admitted = limiter.take(`peer ${rateLimitSubject(address)}`, PEER_UPGRADES_PER_ADDRESS);
  if (!admitted.allowed) {
    throw new LatchkeyError(
      'unavailable',
      `too many refused forwarded streams from your address; try again in ${admitted.retryAfterSeconds} s`,
    );
  }
  throw new LatchkeyError('unauthenticated', `not a request from a peer server (${verdict.reason})`);
}

interface OpenStream {
  record: TunnelStreamRecord;
  close(reason: string): void;
}

export interface TunnelEndpoints {
  links: AgentLinks;
  /** This process's presence among several servers (inactive until it listens). */
  peering: TunnelPeering;
  /**
   * Of `reachable` (a person's targets, as listMyTargets gives them), the ids of those a stream can reach
   * now: a fronted target through its own agent's link, an agentless one through its connector's, held
   * by this server or by a live peer (several servers).
   */
  tunnelled(accountId: string, reachable: readonly ReachableTarget[]): Promise<Set<string>>;
  /** Streams open now (tests, metrics). */
  readonly openStreams: number;
}

export interface TunnelEndpointOptions {
  timings?: TunnelTimings;
  /** Several servers: the URLs this process is reached at (main.ts's --peer-url, --tunnel-url). */
  peering?: TunnelPeeringSettings;
}

export function installTunnelEndpoints(
  app: FastifyInstance,
  services: Services,
  options: TunnelEndpointOptions = {},
): TunnelEndpoints {
  const timings = options.timings ?? DEFAULT_TUNNEL_TIMINGS;
  const links = new AgentLinks();
  const streams = new Map<string, OpenStream>();
  /** Streams other servers forwarded here (closed when this server stops). */
  const peerStreams = new Set<Duplex>();
  /** An agent that refuses the live servers keeps one link: said, or nobody learns why. */
  const advertisementRefused = (link: AgentLink) => (status: number) =>
    app.log.warn(
      `tunnel: agent ${link.agentId} refused the list of live servers (HTTP ${status}); ` +
        "it holds no second link: check each server's --tunnel-url (https when agents enrolled over https)",
    );
  const peering = new TunnelPeering(
    services,
    options.peering ?? {},
    app.log,
    () => links.all().map((link) => ({ agentId: link.agentId, accountId: link.accountId })),
    () => {
      const advertisement = peering.advertisement();
      for (const link of links.all()) link.advertise(advertisement, advertisementRefused(link));
    },
  );
  // Its own buckets: a flood of addresses here must not push the sign-in limits' buckets out.
  const upgradeLimiter = new RateLimiter(services.clock);
  /** Per person: streams past the cap check whose upgrade is not done yet. */
  const opening = new Map<string, number>();
  // An agent's link carries HTTP/2 for every stream of its target; a person's stream, one connection's
  // bytes in chunks the size of a read (TUNNEL_STREAM_MAX_MESSAGE refuses silly sizes early).
  const agentSockets = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: 16 * 1024 * 1024,
  });
  const streamSockets = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: TUNNEL_STREAM_MAX_MESSAGE,
  });
  // A forwarded stream's messages are what this server's own relay wrote: chunks of a read.
  const peerSockets = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: 16 * 1024 * 1024,
  });
  let closing = false;
  let watching = false;

  const addressOf = (request: IncomingMessage) =>
    clientAddress(request.socket.remoteAddress, request.headers['x-forwarded-for'], services.trustedProxies);

  const watchSignIns = async () => {
    if (watching) return;
    watching = true;
    try {
      let seen = await services.store.sessionTerminations.latestId().catch(() => 0);
      while (streams.size > 0 && !closing) {
        const outcome = await services.sessionTerminationFeed.waitForNewerThan(seen, RECHECK_MS);
        if (outcome === 'closed') break;
        if (outcome === 'changed') {
          seen = await services.store.sessionTerminations.latestId().catch(() => seen);
        }
        const sessions = new Set([...streams.values()].map((stream) => stream.record.caller.sessionId));
        for (const sessionId of sessions) {
          if (await signInStillValid(services, sessionId).catch(() => true)) continue;
          for (const stream of [...streams.values()]) {
            if (stream.record.caller.sessionId === sessionId) stream.close('sign-in revoked');
          }
        }
      }
    } finally {
      watching = false;
    }
  };

  /** Closes a link whose credential no longer stands (revoked, expired, agent removed or replaced). */
  const recheckLink = async (link: AgentLink): Promise<boolean> => {
    if (link.closed) return false;
    // A store failure keeps the link: the next check decides.
    if (await agentLinkStillValid(services, link).catch(() => true)) return true;
    app.log.warn(`tunnel: agent ${link.agentId}'s credential no longer stands; its link is closed`);
    link.close();
    return false;
  };

  /** A live link of one of `agentIds` whose credential still stands. */
  const validLink = async (agentIds: readonly string[]): Promise<AgentLink | undefined> => {
    for (;;) {
      const link = links.find(agentIds);
      if (link === undefined || (await recheckLink(link))) return link;
    }
  };

  const linkChecker = setInterval(() => {
    for (const link of links.all()) void recheckLink(link);
  }, RECHECK_MS);
  linkChecker.unref();

  const acceptAgent = async (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    checkHandshake(request, AGENT_SUBPROTOCOL, 'the tunnel');
    const caller = await authenticate(services, request.headers.authorization);
    if (!grants(caller.permissions, AGENT_PERMISSION)) {
      throw new LatchkeyError('permission_denied', 'only an enrolled agent may open a tunnel');
    }
    const agent = await agentOfCaller(services, caller);
    const linkIndex = linkIndexOf(request.headers[TUNNEL_LINK_HEADER]);
    // The agent's other link is here already (a load balancer sent this one where that one is): refused,
    // so that it dials another server, and the held link and its sessions stay (agent-links.ts).
    const otherLinkHere = () => {
      const here = links.conflicts(agent.id, linkIndex);
      if (here) app.log.info(`tunnel: agent ${agent.id}'s link ${linkIndex} refused: its other link is here`);
      return here;
    };
    if (otherLinkHere()) {
      throw new LatchkeyError(
        'conflict',
        'this agent holds its other tunnel link on this server; dial another',
      );
    }
    agentSockets.handleUpgrade(request, socket, head, (ws) => {
      if (otherLinkHere()) {
        ws.close(TUNNEL_LINK_CONFLICT_CLOSE, 'the other link of this agent is on this server');
        return;
      }
      const link = new AgentLink(
        agent.id,
        agent.accountId,
        caller.tokenId,
        linkIndex,
        ws,
        timings,
        (closed) => {
          // Only the link the registry holds is this agent's presence (a newer one may have replaced it).
          if (links.remove(closed)) peering.linkRemoved(closed);
          app.log.info(`tunnel: agent ${closed.agentId} disconnected`);
        },
      );
      links.add(link);
      peering.linkAdded(link);
      const advertisement = peering.advertisement();
      if (advertisement !== undefined) link.advertise(advertisement, advertisementRefused(link));
      app.log.info(`tunnel: agent ${agent.id} connected (target ${agent.targetId ?? 'none yet'})`);
    });
  };

  const acceptPerson = async (request: IncomingMessage, socket: Duplex, head: Buffer, url: URL) => {
    // A handshake ws would refuse is refused here, before anything is authorised or reaches the agent.
    checkHandshake(request, STREAM_SUBPROTOCOL, 'a tunnel stream');
    const ip = addressOf(request);
    const admitted = upgradeLimiter.take(rateLimitSubject(ip), STREAM_UPGRADES_PER_ADDRESS);
    if (!admitted.allowed) {
      throw new LatchkeyError(
        'unavailable',
        `too many tunnel streams opened from your address; try again in ${admitted.retryAfterSeconds} s`,
      );
    }
    const caller: PersonCaller = await authenticatePerson(services, request.headers.authorization, ip);
    const target = url.searchParams.get('target');
    if (target === null || target.trim() === '') {
      throw new LatchkeyError(
        'invalid_argument',
        'name the target: /v1/tunnel/connect?target=<id or hostname>',
      );
    }
    const portText = url.searchParams.get('port');
    const port = portText === null ? undefined : Number(portText);
    if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
      throw new LatchkeyError('invalid_argument', `port ${portText} is not a TCP port`);
    }
    const virtualNetwork = url.searchParams.get('virtual_network') ?? undefined;
    const grant = await authorizeTunnelStream(services, caller, {
      target,
      ...(port === undefined ? {} : { port }),
      ...(virtualNetwork === undefined || virtualNetwork.trim() === '' ? {} : { virtualNetwork }),
    });
    // A cap per person: what their streams can hold in memory is bounded by it (tunnel-protocol.ts).
    // Streams still being opened count too, so that upgrades sent at once cannot all pass the check.
    // Keyed by account and address as one would write it, so that one person is one count, and a
    // same-named person of another account (another tenant) is not theirs.
    const personKey = (who: PersonCaller) => `${who.accountId} ${who.person.email.trim().toLowerCase()}`;
    const email = personKey(caller);
    const theirs =
      [...streams.values()].filter((open) => personKey(open.record.caller) === email).length +
      (opening.get(email) ?? 0);
    if (theirs >= TUNNEL_STREAMS_PER_PERSON) {
      throw new LatchkeyError(
        'unavailable',
        `you have ${theirs} tunnel streams open, the most one person may; close one and try again`,
      );
    }
    opening.set(email, (opening.get(email) ?? 0) + 1);
    let counted = true;
    const opened = () => {
      if (!counted) return;
      counted = false;
      const left = (opening.get(email) ?? 1) - 1;
      if (left > 0) opening.set(email, left);
      else opening.delete(email);
    };
    try {
      await openPersonStream(request, socket, head, ip, caller, grant, opened);
    } finally {
      // Registered as a stream by now, or refused: either way no longer one being opened.
      opened();
    }
  };

  const openPersonStream = async (
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    ip: string | undefined,
    caller: PersonCaller,
    grant: Awaited<ReturnType<typeof authorizeTunnelStream>>,
    opened: () => void,
  ) => {
    const { connector } = grant;
    if (grant.agents.length === 0 && connector === undefined) {
      const address = grant.target.ipv4?.address ?? grant.target.ipv6?.address ?? 'its address';
      throw new LatchkeyError(
        'unavailable',
        `${grant.target.hostname} has no agent, and no route of its virtual network to a connector holds ${address}`,
      );
    }
    const agentIds = connector === undefined ? grant.agents.map((agent) => agent.id) : [connector.agentId];
    const streamId = randomUUID();
    const dial =
      connector === undefined
        ? undefined
        : `${connector.address.includes(':') ? `[${connector.address}]` : connector.address}:${grant.port}`;
    const opening = {
      streamId,
      person: caller.person.email,
      clientAddress: ip,
      port: grant.port,
      ...(dial === undefined ? {} : { dial }),
    };
    const refusedBy = (error: Error) =>
      new LatchkeyError(
        'unavailable',
        connector === undefined
          ? `the agent of ${grant.target.hostname}: ${error.message}`
          : `the connector of ${grant.target.hostname}: ${error.message}`,
      );
    // This server's own link first; else one hop to a live peer that holds one.
    const link = await validLink(agentIds);
    let h2: Duplex;
    let agentId: string;
    let servers: string[] | undefined;
    if (link !== undefined) {
      h2 = await link.openStream(opening).catch((error: Error) => {
        throw refusedBy(error);
      });
      agentId = link.agentId;
      servers = peering.url === undefined ? undefined : [peering.url];
    } else {
      const peers = await peering.peersHolding(caller.accountId, agentIds);
      if (peers.length === 0) {
        throw new LatchkeyError(
          'unavailable',
          connector === undefined
            ? `${grant.target.hostname} has no tunnel to this server now (its agent is not connected)`
            : `the connector of ${grant.target.hostname} has no tunnel to this server now`,
        );
      }
      const forwarded = await peering.forward(peers, opening, timings).catch((error: Error) => {
        // The detail (peers' addresses, what they said) is for this log only; the person is told what
        // the agent answered, if it was the agent that refused, else that it could not be reached.
        app.log.warn(
          `tunnel: stream ${streamId} to ${grant.target.hostname} not forwarded: ${error.message}`,
        );
        const agentAnswer = error instanceof PeerForwardingError ? error.agentAnswer : undefined;
        if (agentAnswer !== undefined) throw refusedBy(new Error(agentAnswer));
        throw new LatchkeyError(
          'unavailable',
          `the ${connector === undefined ? 'agent' : 'connector'} of ${grant.target.hostname} could not be ` +
            'reached through another server; try again',
        );
      });
      h2 = forwarded.stream;
      agentId = forwarded.via.agentId;
      servers = [peering.url!, forwarded.via.peerUrl];
    }
    const record: TunnelStreamRecord = {
      caller,
      target: grant.target,
      port: grant.port,
      agentId,
      streamId,
      ...(servers === undefined ? {} : { servers }),
      ...(connector === undefined
        ? {}
        : { dialed: { address: connector.address, routeId: connector.routeId } }),
    };
    if (socket.destroyed) {
      h2.destroy();
      return;
    }
    // Should ws still refuse the upgrade (it answers and closes without calling back), or the client
    // leave first, the agent's stream must not outlive it.
    let upgraded = false;
    socket.once('close', () => {
      if (!upgraded) h2.destroy();
    });
    streamSockets.handleUpgrade(request, socket, head, (ws: WebSocket) => {
      upgraded = true;
      opened();
      const startedAt = Date.now();
      // A client that stops reading (or vanished without a close) stops answering pings too: it is cut
      // before its stream's window, full, sits in memory for good.
      let lastPong = Date.now();
      ws.on('pong', () => (lastPong = Date.now()));
      const pinger = setInterval(() => {
        if (Date.now() - lastPong > timings.deadAfterMs) finish('client unresponsive');
        else ws.ping();
      }, timings.pingIntervalMs);
      pinger.unref();
      let up = 0;
      let down = 0;
      let ended = false;
      const bytes = createWebSocketStream(ws);
      const finish = (reason: string) => {
        if (ended) return;
        ended = true;
        clearInterval(pinger);
        streams.delete(streamId);
        h2.destroy();
        if (ws.readyState === ws.OPEN) ws.close(reason === 'sign-in revoked' ? 4401 : 1000, reason);
        if (reason === 'client unresponsive') ws.terminate();
        else setTimeout(() => ws.terminate(), 1000).unref();
        void recordTunnelStreamClosed(services, record, {
          bytesUp: up,
          bytesDown: down,
          durationMs: Date.now() - startedAt,
          reason,
        }).catch((error: Error) => app.log.error(`tunnel: audit of stream ${streamId}: ${error.message}`));
      };
      streams.set(streamId, { record, close: finish });
      void watchSignIns();
      bytes.on('data', (chunk: Buffer) => (up += chunk.length));
      h2.on('data', (chunk: Buffer) => (down += chunk.length));
      bytes.pipe(h2);
      h2.pipe(bytes);
      bytes.on('error', () => finish('client error'));
      h2.on('error', () => finish('agent error'));
      bytes.on('close', () => finish('client closed'));
      h2.on('close', () => finish('agent closed'));
      ws.on('close', () => finish('client closed'));
      void recordTunnelStreamOpened(services, record).catch((error: Error) =>
        app.log.error(`tunnel: audit of stream ${streamId}: ${error.message}`),
      );
    });
  };

  /**
   * A stream another server forwards (one hop): only a genuine peer's signed, fresh, unseen request for
   * this server, opened on this server's own link of the agent (never forwarded again). The person was
   * authenticated and the policy checked by the server that signed it, which audits the stream.
   */
  let peerRefusals = 0;
  let lastPeerRefusalLog = 0;
  const acceptPeer = async (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    checkHandshake(request, PEER_SUBPROTOCOL, 'a forwarded stream');
    const header = request.headers[PEER_REQUEST_HEADER];
    const verdict = peering.verify(Array.isArray(header) ? header[0] : header);
    if (!verdict.ok) {
      // Said in the log at most every 10 s, with a count: a flood of forgeries does not flood the log.
      peerRefusals += 1;
      if (Date.now() - lastPeerRefusalLog >= 10_000) {
        app.log.warn(
          `tunnel: refused ${peerRefusals} forwarded stream(s) without a genuine peer credential; ` +
            `the last from ${addressOf(request) ?? '?'}: ${verdict.reason}`,
        );
        peerRefusals = 0;
        lastPeerRefusalLog = Date.now();
      }
    }
    const asked = gatePeerUpgrade(verdict, addressOf(request), upgradeLimiter);
    const link = await validLink([asked.agent]);
    if (link === undefined || link.accountId !== asked.account) {
      throw new LatchkeyError('unavailable', `agent ${asked.agent} has no tunnel to this server now`);
    }
    const h2 = await link
      .openStream({
        streamId: asked.stream,
        person: asked.person,
        clientAddress: asked.client,
        port: asked.port,
        ...(asked.dial === undefined ? {} : { dial: asked.dial }),
      })
      .catch((error: Error) => {
        throw new LatchkeyError('unavailable', error.message);
      });
    if (socket.destroyed) {
      h2.destroy();
      return;
    }
    let upgraded = false;
    socket.once('close', () => {
      if (!upgraded) h2.destroy();
    });
    peerSockets.handleUpgrade(request, socket, head, (ws: WebSocket) => {
      upgraded = true;
      app.log.info(`tunnel: stream ${asked.stream} of ${asked.person} forwarded by server ${asked.from}`);
      const bytes = createWebSocketStream(ws);
      peerStreams.add(bytes);
      let lastPong = Date.now();
      ws.on('pong', () => (lastPong = Date.now()));
      const pinger = setInterval(() => {
        if (Date.now() - lastPong > timings.deadAfterMs) ws.terminate();
        else ws.ping();
      }, timings.pingIntervalMs);
      pinger.unref();
      const finish = () => {
        clearInterval(pinger);
        peerStreams.delete(bytes);
        h2.destroy();
        bytes.destroy();
      };
      bytes.on('error', finish);
      h2.on('error', finish);
      bytes.on('close', finish);
      h2.on('close', finish);
      bytes.pipe(h2);
      h2.pipe(bytes);
    });
  };

  app.server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    const url = new URL(request.url ?? '/', 'http://server.invalid');
    const handle =
      url.pathname === '/v1/tunnel/agent'
        ? acceptAgent(request, socket, head)
        : url.pathname === '/v1/tunnel/connect'
          ? acceptPerson(request, socket, head, url)
          : url.pathname === '/v1/tunnel/peer'
            ? acceptPeer(request, socket, head)
            : Promise.reject(new LatchkeyError('not_found', `no WebSocket endpoint at ${url.pathname}`));
    handle.catch((error: unknown) => refuse(socket, error, (line) => app.log.error(line)));
  });

  const tunnelled = async (accountId: string, mine: readonly ReachableTarget[]): Promise<Set<string>> => {
    const reachable = [...new Set(mine.map((entry) => entry.grant.target.id))];
    // By the targets' agents as stored now (an agent may have connected before it had its target).
    const agents = await services.store.agents.listForTargets(accountId, reachable);
    // An agentless target's connector (as connectorFor picks it), each virtual network's routes read once.
    const routesOf = new Map<string, Promise<TunnelRouteRecord[]>>();
    const routes = (networkId: string) => {
      let found = routesOf.get(networkId);
      if (found === undefined) {
        found = services.store.tunnelRoutes.listForNetwork(accountId, networkId);
        routesOf.set(networkId, found);
      }
      return found;
    };
    const connectors = new Map<string, string>();
    for (const { grant } of mine) {
      const { target } = grant;
      if (connectors.has(target.id) || agents.some((agent) => agent.targetId === target.id)) continue;
      for (const ip of [target.ipv4, target.ipv6]) {
        if (ip === undefined || parseAddress(ip.address) === undefined) continue;
        const route = routeFor(ip.address, await routes(ip.virtualNetworkId));
        if (route !== undefined) {
          connectors.set(target.id, route.agentId);
          break;
        }
      }
    }
    // A fronted target through its own agent's link; an agentless one through its connector's.
    const through = new Map(
      reachable.map((id) => {
        const connector = connectors.get(id);
        return [
          id,
          connector === undefined
            ? agents.filter((agent) => agent.targetId === id).map((agent) => agent.id)
            : [connector],
        ] as const;
      }),
    );
    // Held here, or by a live peer (one query for all).
    const elsewhere = new Set(
      (
        await peering.peersHolding(
          accountId,
          [...through.values()].flat().filter((id) => links.find([id]) === undefined),
        )
      ).map((link) => link.agentId),
    );
    const ids = reachable.filter((id) =>
      (through.get(id) ?? []).some(
        (agentId) => links.find([agentId]) !== undefined || elsewhere.has(agentId),
      ),
    );
    return new Set(ids);
  };

  app.get('/v1/tunnel/targets', { schema: { hide: true } }, async (request) => {
    const caller = await authenticatePerson(services, request.headers.authorization, addressOf(request.raw));
    const ids = await tunnelled(caller.accountId, await listMyTargets(services, caller));
    return successEnvelope([...ids].map((id) => ({ target_id: id, tunnel: true })));
  });

  // Presence among several servers starts once this process listens (its port is known then). Only on
  // PostgreSQL: a SQLite database is one process's, so it has no peers, and a lone
  // server behind a TLS proxy (plain http on a private address) must not be told off for a peer hop it
  // never makes.
  app.addHook('onListen', async () => {
    const address = app.server.address();
    if (address === null || typeof address === 'string') return;
    if (services.store.kind !== 'postgres') return;
    // A failure here leaves this server serving its own links only: said loudly, not fatal.
    await peering
      .start({ secure: 'setSecureContext' in app.server, host: address.address, port: address.port })
      .catch((error: Error) =>
        app.log.error(
          `tunnel: presence did not start (${error.message}); this server neither forwards streams nor is forwarded to`,
        ),
      );
  });

  app.addHook('preClose', async () => {
    closing = true;
    clearInterval(linkChecker);
    // Peers stop forwarding here first; then the agents are told to move (to their other link).
    await peering.stop();
    links.drainAll('the server is shutting down');
    for (const stream of [...streams.values()]) stream.close('server shutting down');
    for (const stream of [...peerStreams]) stream.destroy();
    for (const client of [...agentSockets.clients, ...streamSockets.clients, ...peerSockets.clients]) {
      client.terminate();
    }
  });

  return {
    links,
    peering,
    tunnelled,
    get openStreams() {
      return streams.size;
    },
  };
}

const WEBSOCKET_KEY = /^[+/0-9A-Za-z]{22}==$/;
/** RFC 7230's token: a sub-protocol's name. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Refuses (400 with the envelope) a handshake that ws's handleUpgrade would refuse without calling back
 * (docs/tunnels.md): method GET, `Upgrade: websocket`, a well-formed Sec-WebSocket-Key, version 8 or 13,
 * and a sub-protocol list of distinct tokens that offers `protocol`.
 */
function checkHandshake(request: IncomingMessage, protocol: string, what: string): void {
  const refuse = (message: string): never => {
    throw new LatchkeyError('invalid_argument', `not a WebSocket handshake: ${message}`);
  };
  if (request.method !== 'GET') refuse(`the method is ${request.method ?? 'missing'}, not GET`);
  if (request.headers.upgrade?.toLowerCase() !== 'websocket') refuse('the Upgrade header is not websocket');
  const key = request.headers['sec-websocket-key'];
  if (key === undefined || !WEBSOCKET_KEY.test(key)) refuse('missing or malformed Sec-WebSocket-Key');
  const version = request.headers['sec-websocket-version'];
  if (version !== '13' && version !== '8') refuse('Sec-WebSocket-Version is not 13 (nor 8)');
  const header = request.headers['sec-websocket-protocol'];
  const offers =
    header === undefined ? [] : header.split(',').map((value) => value.replace(/^[ \t]+|[ \t]+$/g, ''));
  if (offers.some((offer) => !TOKEN.test(offer)) || new Set(offers).size !== offers.length) {
    refuse('Sec-WebSocket-Protocol is not a list of distinct names');
  }
  if (!offers.includes(protocol)) {
    throw new LatchkeyError('invalid_argument', `${what} speaks the sub-protocol ${protocol}`);
  }
}

/** The link index an agent's upgrade names (TUNNEL_LINK_HEADER); undefined when it names none. */
function linkIndexOf(header: string | string[] | undefined): 0 | 1 | undefined {
  if (header === undefined) return undefined;
  const text = Array.isArray(header) ? header[0] : header;
  if (text === '0') return 0;
  if (text === '1') return 1;
  throw new LatchkeyError('invalid_argument', `${TUNNEL_LINK_HEADER} is 0 or 1, not ${String(text)}`);
}

/** An HTTP answer on the raw socket of a refused upgrade: the failure envelope with the code's status. */
function refuse(socket: Duplex, error: unknown, log: (line: string) => void): void {
  if (socket.destroyed) return;
  const latchkeyError =
    error instanceof LatchkeyError
      ? error
      : new LatchkeyError('internal', 'internal server error; the server log has the details');
  if (!(error instanceof LatchkeyError)) log(`tunnel: ${(error as Error).stack ?? String(error)}`);
  const status = ERROR_CODES[latchkeyError.code];
  const body = JSON.stringify(failureEnvelope([errorItemFor(latchkeyError)]));
  socket.end(
    `HTTP/1.1 ${status} ${status === 403 ? 'Forbidden' : 'Refused'}\r\n` +
      'content-type: application/json; charset=utf-8\r\n' +
      `content-length: ${Buffer.byteLength(body)}\r\n` +
      'connection: close\r\n\r\n' +
      body,
  );
}
