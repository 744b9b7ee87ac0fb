/**
 * CIDR networks of tunnel routes (issue 14, connectors): parsing with a message that says what is wrong,
 * the one canonical spelling the store keeps (so `(virtual network, network)` is unique by text), and the
 * longest-prefix lookup the tunnel uses to pick a connector.
 *
 * Accepted: `10.77.0.0/24`, `fd00:77::/64` (any RFC 4291 text form; canonical is RFC 5952), and a bare
 * address, which is a /32 or /128. Refused: IPv4 other than four-part dotted decimal without leading
 * zeros (`10.1/16`, `010.0.0.0/8`), zone ids, a prefix outside 0–32 / 0–128 or spelled with a sign or a
 * leading zero, and host bits set past the prefix (`10.77.0.5/24`: the message gives `10.77.0.0/24`).
 * IPv4 and IPv6 are separate families: an IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) is IPv6 and is
 * inside IPv6 routes only.
 */
import ipaddr from 'ipaddr.js';
import { isIpv4Literal, isIpv6Literal, LatchkeyError } from '@latchkey/shared';
import type { TunnelRouteRecord } from './records.js';

export interface CidrNetwork {
  readonly family: 4 | 6;
  /** The network's first address, as a number of 32 or 128 bits. */
  readonly base: bigint;
  readonly prefix: number;
  /** Canonical text: `10.77.0.0/24`, `fd00:77::/64`. */
  readonly text: string;
}

const PREFIX = /^(?:0|[1-9]\d{0,2})$/;

function bitsOf(family: 4 | 6): number {
  return family === 4 ? 32 : 128;
}

function toNumber(bytes: number[]): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

function toText(family: 4 | 6, value: bigint): string {
  const count = family === 4 ? 4 : 16;
  const bytes: number[] = [];
  for (let i = count - 1; i >= 0; i -= 1) bytes.push(Number((value >> BigInt(i * 8)) & 0xffn));
  return family === 4 ? bytes.join('.') : new ipaddr.IPv6(bytes).toRFC5952String();
}

/** The mask of the first `prefix` bits of a `bits`-bit number. */
function maskOf(bits: number, prefix: number): bigint {
  const all = (1n << BigInt(bits)) - 1n;
  return all ^ ((1n << BigInt(bits - prefix)) - 1n);
}

/** An address as a family and number; undefined when `text` is not an IPv4 or IPv6 literal. */
export function parseAddress(text: string): { family: 4 | 6; value: bigint } | undefined {
  if (isIpv4Literal(text)) return { family: 4, value: toNumber(ipaddr.IPv4.parse(text).toByteArray()) };
  if (isIpv6Literal(text)) return { family: 6, value: toNumber(ipaddr.IPv6.parse(text).toByteArray()) };
  return undefined;
}

/**
 * Parses a network; throws `invalid_argument` naming `what` (the field, e.g. `network`) and what is
 * wrong. The result's `text` is the canonical spelling.
 */
export function parseCidr(text: string, what = 'network'): CidrNetwork {
  const refuse = (why: string) =>
    new LatchkeyError('invalid_argument', `${what} ${JSON.stringify(text)} ${why}`);
  if (text.trim() !== text || text === '') {
    throw refuse(text === '' ? 'is empty: give a CIDR such as 10.0.0.0/24' : 'has spaces around it');
  }
  const slash = text.indexOf('/');
  const addressText = slash === -1 ? text : text.slice(0, slash);
  const address = parseAddress(addressText);
  if (address === undefined) {
    throw refuse(
      `is not an IPv4 or IPv6 network: ${JSON.stringify(addressText)} is not an address ` +
        '(IPv4 in dotted decimal such as 10.0.0.0/24, or IPv6 such as fd00::/64)',
    );
  }
  const bits = bitsOf(address.family);
  let prefix = bits;
  if (slash !== -1) {
    const prefixText = text.slice(slash + 1);
    if (!PREFIX.test(prefixText) || Number(prefixText) > bits) {
      throw refuse(
        `has a bad prefix length ${JSON.stringify(prefixText)}: an IPv${address.family} prefix is a whole ` +
          `number from 0 to ${bits}`,
      );
    }
    prefix = Number(prefixText);
  }
  const base = address.value & maskOf(bits, prefix);
  const canonical = `${toText(address.family, base)}/${prefix}`;
  if (base !== address.value) {
    throw refuse(`has host bits set past /${prefix}: the network is ${canonical}`);
  }
  return { family: address.family, base, prefix, text: canonical };
}

/** The canonical spelling of a network (`FD00:0077::/64` → `fd00:77::/64`); throws as parseCidr. */
export function canonicalCidr(text: string, what = 'network'): string {
  return parseCidr(text, what).text;
}

/** True when the address (already parsed) is inside the network. */
function contains(network: CidrNetwork, address: { family: 4 | 6; value: bigint }): boolean {
  return (
    network.family === address.family &&
    (address.value & maskOf(bitsOf(network.family), network.prefix)) === network.base
  );
}

/** True when `address` (an IPv4 or IPv6 literal) is inside `network`; false for anything unparseable. */
export function cidrContains(network: string | CidrNetwork, address: string): boolean {
  const parsed = parseAddress(address);
  if (parsed === undefined) return false;
  try {
    return contains(typeof network === 'string' ? parseCidr(network) : network, parsed);
  } catch {
    return false;
  }
}

/**
 * The route a stream to `address` takes: of the routes whose network contains it, the one with the
 * longest prefix; among equal prefixes (routes of different virtual networks, when the caller mixes
 * them) the oldest, then the smallest id. Undefined when none contains it, or `address` is not an IPv4 or
 * IPv6 literal. A route whose stored network does not parse is skipped (the store only keeps canonical
 * ones). The caller gives the routes of one virtual network (`listForNetwork`).
 */
export function routeFor(
  address: string,
  routes: readonly TunnelRouteRecord[],
): TunnelRouteRecord | undefined {
  const parsed = parseAddress(address);
  if (parsed === undefined) return undefined;
  let best: { route: TunnelRouteRecord; prefix: number } | undefined;
  for (const route of routes) {
    let network: CidrNetwork;
    try {
      network = parseCidr(route.network);
    } catch {
      continue;
    }
    if (!contains(network, parsed)) continue;
    if (
      best === undefined ||
      network.prefix > best.prefix ||
      (network.prefix === best.prefix && older(route, best.route))
    ) {
      best = { route, prefix: network.prefix };
    }
  }
  return best?.route;
}

function older(a: TunnelRouteRecord, b: TunnelRouteRecord): boolean {
  const byTime = a.createdAt.getTime() - b.createdAt.getTime();
  return byTime < 0 || (byTime === 0 && a.id < b.id);
}
