/**
 * The client's address behind trusted proxies (issue 13, "behind a proxy"): `--trusted-proxy CIDR…`
 * names the proxies in front of the server. A request's client is its peer (the TCP connection's other
 * end), unless the peer is one of those proxies: then X-Forwarded-For is read from the right (each proxy
 * appends the address it got the request from), skipping trusted proxies, and the first untrusted hop is
 * the client (the rightmost untrusted hop; whatever is left of it was written by the client itself and
 * proves nothing). When every hop is trusted, the leftmost is the client. A hop that is not an IP address
 * stops the walk at the last trusted one. With no trusted proxies X-Forwarded-For is never read.
 *
 * `ip` policy rules, sign-in rate limits and audit events use this address. Pure.
 */
import ipaddr from 'ipaddr.js';
import { LatchkeyError } from '@latchkey/shared';

type Parsed = ipaddr.IPv4 | ipaddr.IPv6;

export interface TrustedProxies {
  readonly ranges: readonly (readonly [Parsed, number])[];
  /** As configured, for messages. */
  readonly text: readonly string[];
}

export const NO_TRUSTED_PROXIES: TrustedProxies = { ranges: [], text: [] };

/** Parses CIDR ranges (or single addresses); a bad one is invalid_config naming `setting`. */
export function parseTrustedProxies(values: readonly string[], setting = '--trusted-proxy'): TrustedProxies {
  const ranges: (readonly [Parsed, number])[] = [];
  const text: string[] = [];
  for (const raw of values.flatMap((value) => value.split(/[\s,]+/)).filter((value) => value !== '')) {
    try {
      const range = raw.includes('/')
        ? ipaddr.parseCIDR(raw)
        : ([ipaddr.parse(raw), raw.includes(':') ? 128 : 32] as [Parsed, number]);
      ranges.push(range);
      text.push(raw);
    } catch {
      throw new LatchkeyError(
        'invalid_config',
        `${setting}: ${JSON.stringify(raw)} is not an IP address or CIDR range (e.g. 10.0.0.0/8, 2001:db8::/32, 127.0.0.1)`,
        { pointer: setting },
      );
    }
  }
  return { ranges, text };
}

function parse(text: string): Parsed | undefined {
  const trimmed = text.trim().replace(/^\[(.*)\]$/, '$1');
  if (!ipaddr.isValid(trimmed)) return undefined;
  try {
    const address = ipaddr.parse(trimmed);
    // Dual-stack sockets report IPv4 peers as ::ffff:a.b.c.d.
    return address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()
      ? (address as ipaddr.IPv6).toIPv4Address()
      : address;
  } catch {
    return undefined;
  }
}

function isTrusted(address: Parsed, trusted: TrustedProxies): boolean {
  return trusted.ranges.some(
    ([network, bits]) => network.kind() === address.kind() && address.match(network, bits),
  );
}

/**
 * The client address of a request whose peer is `peer` and whose X-Forwarded-For header(s) are
 * `forwardedFor`; undefined when the peer is unknown.
 */
export function clientAddress(
  peer: string | undefined,
  forwardedFor: string | readonly string[] | undefined,
  trusted: TrustedProxies,
): string | undefined {
  if (peer === undefined) return undefined;
  let current = parse(peer);
  if (current === undefined) return peer;
  if (trusted.ranges.length === 0 || !isTrusted(current, trusted)) return current.toString();
  const header = typeof forwardedFor === 'string' ? forwardedFor : (forwardedFor ?? []).join(',');
  const hops = header
    .split(',')
    .map((hop) => hop.trim())
    .filter((hop) => hop !== '');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = parse(hops[i]!);
    if (hop === undefined) break;
    current = hop;
    if (!isTrusted(hop, trusted)) break;
  }
  return current.toString();
}
