/**
 * Target addresses as the store keeps them: the normalised text (IPv4 dotted decimal; IPv6 RFC 5952,
 * lowercase and compressed) and a fixed-width hex key (8 digits for IPv4, 32 for IPv6) whose text
 * order is numeric order, so range filters and uniqueness work on plain indexed text columns in both
 * databases. Parsing is ipaddr.js's, made strict: IPv4 only in four-part decimal (no `10.1`, no octal),
 * IPv6 without a zone id.
 */
import ipaddr from 'ipaddr.js';
import { LatchkeyError } from '@latchkey/shared';

export type IpFamily = 'ipv4' | 'ipv6';

export interface StoredIp {
  family: IpFamily;
  /** Normalised text. */
  text: string;
  /** Sortable hex key. */
  key: string;
}

function hex(bytes: number[]): string {
  return bytes.map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** Parses an address of either family; undefined when it is not a valid address. */
export function tryParseIp(address: string): StoredIp | undefined {
  const trimmed = address.trim();
  if (ipaddr.IPv4.isValidFourPartDecimal(trimmed)) {
    const ip = ipaddr.IPv4.parse(trimmed);
    return { family: 'ipv4', text: ip.toString(), key: hex(ip.toByteArray()) };
  }
  if (trimmed.includes(':') && ipaddr.IPv6.isValid(trimmed)) {
    const ip = ipaddr.IPv6.parse(trimmed);
    if (ip.zoneId !== undefined) return undefined;
    return { family: 'ipv6', text: ip.toRFC5952String(), key: hex(ip.toByteArray()) };
  }
  return undefined;
}

/** Parses an address that must be of `family`; `what` names it in the error (e.g. `ipv4 address`). */
export function parseIp(address: string, family: IpFamily, what: string = `${family} address`): StoredIp {
  const parsed = tryParseIp(address);
  if (parsed === undefined || parsed.family !== family) {
    throw new LatchkeyError(
      'invalid_argument',
      `${what} ${JSON.stringify(address)} is not a valid ${family} address`,
    );
  }
  return parsed;
}
