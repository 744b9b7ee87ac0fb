/**
 * Whom a per-address rate limit counts an address against. IPv4: the address. IPv6: its /64, the block
 * one host or one site is usually given, all 2^64 addresses of which its holder can use (counted one by
 * one, an IPv6 client would have a fresh bucket for every request). An IPv4-mapped IPv6 address is its
 * IPv4 address. Pure.
 */
import ipaddr from 'ipaddr.js';

export function rateLimitSubject(address: string | undefined): string {
  if (address === undefined) return 'unknown';
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.process(address);
  } catch {
    return address;
  }
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const prefix = (parsed as ipaddr.IPv6).parts.slice(0, 4).map((part) => part.toString(16));
  return `${prefix.join(':')}::/64`;
}
