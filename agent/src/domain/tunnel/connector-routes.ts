/**
 * What a connector agent agrees to dial (issue #14, docs/tunnels.md "Connectors"): the private ranges
 * root on the host named with `latchkey-agent run --route CIDR`. The access server decides which agent a
 * route of a virtual network goes to; the agent dials an address only when it is also inside one of its
 * own routes, so a server (or an admin's mistake) can never make a host dial elsewhere.
 */
import { isIP } from 'node:net';
import { LatchkeyError } from '@latchkey/shared';

export interface ConnectorRoute {
  readonly family: 'ipv4' | 'ipv6';
  /** The network address, as written (host bits are refused). */
  readonly network: string;
  readonly prefix: number;
}

/** Parses `10.77.0.0/24`, `fd00::/64`, or one address (a /32 or /128); says what is wrong otherwise. */
export function parseConnectorRoute(text: string): ConnectorRoute {
  const trimmed = text.trim();
  const slash = trimmed.lastIndexOf('/');
  const address = slash < 0 ? trimmed : trimmed.slice(0, slash);
  if (address.includes('%')) {
    // A zone (fe80::1%eth0) cannot be named by the dial, nor by a tunnel route: refused, not dropped.
    throw new LatchkeyError('invalid_argument', `--route ${text}: a zone id (%…) is not allowed`);
  }
  const version = isIP(address);
  if (version === 0) {
    throw new LatchkeyError('invalid_argument', `--route ${text}: "${address}" is not an IP address`);
  }
  const family = version === 4 ? 'ipv4' : 'ipv6';
  const bits = version === 4 ? 32 : 128;
  const prefixText = slash < 0 ? String(bits) : trimmed.slice(slash + 1);
  // The access server's spelling: no sign, no leading zero (/08 is refused there too).
  const prefix = /^(?:0|[1-9]\d{0,2})$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits) {
    throw new LatchkeyError('invalid_argument', `--route ${text}: the prefix must be 0 to ${bits}`);
  }
  if (!hostBitsClear(address, family, prefix)) {
    throw new LatchkeyError(
      'invalid_argument',
      `--route ${text}: the address has bits set past /${prefix}; write the network's first address`,
    );
  }
  return { family, network: address, prefix };
}

/** The address and port of a `latchkey-dial` header (`10.77.0.5:22`, `[fd00::5]:22`); undefined if malformed. */
export function parseDialTarget(text: string): { address: string; port: number } | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|(\d{1,3}(?:\.\d{1,3}){3})):(\d{1,5})$/.exec(text.trim());
  if (match === null) return undefined;
  const address = match[1] ?? match[2] ?? '';
  const port = Number(match[3]);
  if (isIP(address) === 0 || port < 1 || port > 65535) return undefined;
  return { address, port };
}

/**
 * The IPv4 address an IPv4-mapped IPv6 address (`::ffff:10.0.0.1`, `::ffff:a00:1`) reaches; undefined for
 * any other address. A connection to it goes to that IPv4 host, so it is checked as IPv4, never against
 * the IPv6 ranges (`::/0` would otherwise hold every IPv4 host, the connector's own 127.0.0.1 too).
 */
export function mappedIpv4(address: string): string | undefined {
  if (isIP(address) !== 6) return undefined;
  const bytes = ipv6Bytes(address);
  const mapped = bytes.slice(0, 10).every((byte) => byte === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return mapped ? bytes.slice(12).join('.') : undefined;
}

function hostBitsClear(address: string, family: 'ipv4' | 'ipv6', prefix: number): boolean {
  const bytes = family === 'ipv4' ? ipv4Bytes(address) : ipv6Bytes(address);
  for (let bit = prefix; bit < bytes.length * 8; bit++) {
    if ((bytes[bit >> 3]! >> (7 - (bit & 7))) & 1) return false;
  }
  return true;
}

function ipv4Bytes(address: string): number[] {
  return address.split('.').map(Number);
}

function ipv6Bytes(address: string): number[] {
  // An embedded IPv4 tail (::ffff:10.0.0.1) becomes two groups.
  const withoutV4 = address.replace(/(\d+\.\d+\.\d+\.\d+)$/, (v4) => {
    const [a, b, c, d] = ipv4Bytes(v4);
    return `${((a! << 8) | b!).toString(16)}:${((c! << 8) | d!).toString(16)}`;
  });
  const [head, tail] = withoutV4.split('::') as [string, string | undefined];
  const groups = (part: string | undefined) => (part === undefined || part === '' ? [] : part.split(':'));
  const left = groups(head);
  const right = groups(tail);
  const middle = tail === undefined ? [] : new Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...middle, ...right].flatMap((group) => {
    const value = parseInt(group, 16);
    return [value >> 8, value & 0xff];
  });
}
