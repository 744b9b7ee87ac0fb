/**
 * Several servers (issue #14, docs/tunnels.md): the rules of presence and the peer credential, as pure
 * functions.
 *
 * Presence. Each server stamps its row every PRESENCE_HEARTBEAT_MS; a row older than
 * PRESENCE_STALE_AFTER_MS (three beats missed) is ignored by every reader, and one older than
 * PRESENCE_PRUNE_AFTER_MS is deleted by the next server that beats. The staleness bounds how long a server
 * keeps trying a killed peer's links (a refused connection fails at once; a hung peer is given
 * PEER_DIAL_TIMEOUT_MS); agents that held a second link are reached at once meanwhile.
 *
 * The peer credential. A person's stream that reaches server B for an agent whose link is on server A is
 * forwarded one hop, B to A, after B has authenticated the person and checked the policy. B proves to A
 * that it is a server by an HMAC-SHA256, keyed with the installation's peer secret (in the database,
 * sealed with the CA encryption key only servers hold), over a short-lived request that names both
 * servers, the agent, the stream, the person and what to open. A refuses a request that is not for it,
 * that does not verify, that is outside its few seconds of life, or whose stream id it has seen (a
 * replay), and opens the stream on its own link only: a forwarded request is never forwarded again.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const PRESENCE_HEARTBEAT_MS = 2_000;
export const PRESENCE_STALE_AFTER_MS = 6_000;
export const PRESENCE_PRUNE_AFTER_MS = 60_000;
/**
 * How long B waits for A to accept a forwarded stream, its agent's answer included: longer than a
 * connector's own dial (10 s, agent/src/adapters/tunnel/connector-dialer.ts), so that a slow private target
 * reached through a peer fails as it would directly, with the connector's reason, not B's timeout.
 */
export const PEER_DIAL_TIMEOUT_MS = 12_000;
/** A peer request's life, from its signing. */
export const PEER_REQUEST_LIFETIME_MS = 10_000;
/** How far ahead of the verifier's clock a request's signing time may be (clocks in step by NTP). */
export const PEER_CLOCK_SKEW_MS = 5_000;
/** The header of the signed request on `GET /v1/tunnel/peer`. */
export const PEER_REQUEST_HEADER = 'latchkey-peer-request';

/** What B asks A to open: the fields of an agent link's stream opening, and who asks. */
export interface PeerStreamRequest {
  v: 1;
  /** The server that authorised the person (B) and the one asked (A), by their presence ids. */
  from: string;
  to: string;
  agent: string;
  account: string;
  stream: string;
  person: string;
  client?: string;
  port: number;
  /** A connector's dial (`10.77.0.5:22`). */
  dial?: string;
  /** Signed at, and valid until (ms since the epoch). */
  iat: number;
  exp: number;
}

export type PeerRequestVerdict =
  | { ok: true; request: PeerStreamRequest }
  | { ok: false; reason: 'absent' | 'malformed' | 'bad_signature' | 'not_for_me' | 'expired' | 'replayed' };

/** `base64url(JSON).base64url(HMAC-SHA256(key, first part))`. */
export function signPeerRequest(key: Uint8Array, request: PeerStreamRequest): string {
  const payload = Buffer.from(JSON.stringify(request), 'utf8').toString('base64url');
  return `${payload}.${mac(key, payload).toString('base64url')}`;
}

/**
 * Checks a peer request for server `self` at `nowMs`. `seen(stream)` says whether a request for that
 * stream id was accepted before (the caller keeps them for PEER_REQUEST_LIFETIME_MS + PEER_CLOCK_SKEW_MS,
 * the longest a request verifies).
 */
export function verifyPeerRequest(
  key: Uint8Array,
  token: string | undefined,
  context: { self: string; nowMs: number; seen: (stream: string) => boolean },
): PeerRequestVerdict {
  if (token === undefined || token === '') return { ok: false, reason: 'absent' };
  const parts = token.split('.');
  if (parts.length !== 2 || !/^[A-Za-z0-9_-]+$/.test(parts[0]!) || !/^[A-Za-z0-9_-]+$/.test(parts[1]!)) {
    return { ok: false, reason: 'malformed' };
  }
  const [payload, signature] = parts as [string, string];
  const expected = mac(key, payload);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'bad_signature' };
  }
  let request: PeerStreamRequest;
  try {
    request = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as PeerStreamRequest;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (!wellFormed(request)) return { ok: false, reason: 'malformed' };
  if (request.to !== context.self || request.from === context.self)
    return { ok: false, reason: 'not_for_me' };
  if (
    request.exp - request.iat > PEER_REQUEST_LIFETIME_MS ||
    request.iat > context.nowMs + PEER_CLOCK_SKEW_MS ||
    request.exp < context.nowMs
  ) {
    return { ok: false, reason: 'expired' };
  }
  if (context.seen(request.stream)) return { ok: false, reason: 'replayed' };
  return { ok: true, request };
}

function mac(key: Uint8Array, payload: string): Buffer {
  return createHmac('sha256', key).update(`latchkey peer v1\n${payload}`).digest();
}

function wellFormed(value: unknown): value is PeerStreamRequest {
  if (typeof value !== 'object' || value === null) return false;
  const request = value as Record<string, unknown>;
  const text = (name: string) => typeof request[name] === 'string' && (request[name] as string).length > 0;
  const optionalText = (name: string) => request[name] === undefined || text(name);
  return (
    request.v === 1 &&
    ['from', 'to', 'agent', 'account', 'stream', 'person'].every(text) &&
    optionalText('client') &&
    optionalText('dial') &&
    Number.isInteger(request.port) &&
    (request.port as number) >= 1 &&
    (request.port as number) <= 65535 &&
    Number.isSafeInteger(request.iat) &&
    Number.isSafeInteger(request.exp)
  );
}

/** Stream ids of accepted peer requests, each kept until `forgetAt` (the replay guard's memory). */
export class SeenPeerStreams {
  private readonly until = new Map<string, number>();

  has(stream: string, nowMs: number): boolean {
    this.forget(nowMs);
    return this.until.has(stream);
  }

  add(stream: string, nowMs: number): void {
    this.forget(nowMs);
    this.until.set(stream, nowMs + PEER_REQUEST_LIFETIME_MS + PEER_CLOCK_SKEW_MS);
  }

  // Kept through `until` itself: a request signed PEER_CLOCK_SKEW_MS ahead is valid until exactly
  // acceptance + lifetime + skew (verifyPeerRequest expires it only after `exp`), so forgetting it at that
  // millisecond would take it a second time.
  private forget(nowMs: number): void {
    for (const [stream, until] of this.until) {
      if (until >= nowMs) break; // insertion order is expiry order
      this.until.delete(stream);
    }
  }
}

/**
 * Where to forward a stream for one of `agentIds` (their links on live servers other than `self`, newest
 * first, as the store gives them): one attempt per server, in that order.
 */
export function forwardingCandidates<T extends { serverId: string; agentId: string }>(
  links: readonly T[],
  self: string,
): T[] {
  const seen = new Set<string>();
  return links.filter((link) => {
    if (link.serverId === self || seen.has(link.serverId)) return false;
    seen.add(link.serverId);
    return true;
  });
}

/** The URL of this server as a peer or an agent sees it, from the address it listens on. */
export function listenUrl(scheme: 'http' | 'https', host: string, port: number): string {
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
