/**
 * IP literals and CIDR ranges as the API accepts them. IPv4 must be four-part dotted decimal without
 * leading zeros (`10.0.0.1`, never `10.1` or `010.0.0.1`, which resolvers read differently); IPv6 any
 * RFC 4291 text form without a zone id. Normalised forms: IPv4 as given, IPv6 RFC 5952 (lowercase,
 * compressed), so one address has one spelling in storage and in the (ip, vnet) uniqueness check.
 */
import ipaddr from 'ipaddr.js';

const DOTTED_DECIMAL = /^(?:0|[1-9]\d{0,2})(?:\.(?:0|[1-9]\d{0,2})){3}$/;

export function isIpv4Literal(text: string): boolean {
  return DOTTED_DECIMAL.test(text) && ipaddr.IPv4.isValidFourPartDecimal(text);
}

export function isIpv6Literal(text: string): boolean {
  return !text.includes('%') && ipaddr.IPv6.isValid(text) && !ipaddr.IPv4.isValid(text);
}

/** `text` in its normalised form, or undefined when it is not an IPv4 / IPv6 literal. */
export function normaliseIp(text: string): { family: 4 | 6; address: string } | undefined {
  if (isIpv4Literal(text)) return { family: 4, address: text };
  if (isIpv6Literal(text)) return { family: 6, address: ipaddr.IPv6.parse(text).toRFC5952String() };
  return undefined;
}

/** True for `10.0.0.0/8`, `2001:db8::/32`, and a bare address (a /32 or /128). */
export function isCidr(text: string): boolean {
  const slash = text.indexOf('/');
  const address = slash === -1 ? text : text.slice(0, slash);
  const family = normaliseIp(address)?.family;
  if (family === undefined) return false;
  if (slash === -1) return true;
  const bits = text.slice(slash + 1);
  if (!/^(?:0|[1-9]\d{0,2})$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}
