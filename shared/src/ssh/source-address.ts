import { LatchkeyError } from '../errors/latchkey-error.js';

/**
 * The `source-address` critical option: a comma-separated list of addresses and CIDR networks
 * (`10.0.0.0/8,::1`), checked as OpenSSH's addr_match_cidr_list does: no spaces, mask length within the
 * family, and no host bits set beyond the mask (`10.0.0.1/8` is refused, as ssh-keygen refuses it).
 * Stricter than OpenSSH in one way: IPv4 must be a full dotted quad (no inet_aton short forms).
 */
export interface CidrNetwork {
  readonly family: 4 | 6;
  readonly bytes: Uint8Array;
  readonly prefixLength: number;
}

/** Parses a source-address list; throws `invalid_certificate_options` naming the bad entry. */
export function parseSourceAddressList(list: string): CidrNetwork[] {
  if (list.length === 0) throw invalidList(list, 'the list is empty');
  return list.split(',').map((entry) => {
    const network = parseCidr(entry);
    if (network === undefined)
      throw invalidList(list, `${JSON.stringify(entry)} is not an address or CIDR network`);
    return network;
  });
}

/** True if `address` (an IPv4 or IPv6 address) lies in one of the networks. */
export function sourceAddressMatches(address: string, networks: readonly CidrNetwork[]): boolean {
  const parsed = parseIpAddress(address);
  if (parsed === undefined) {
    throw new LatchkeyError('invalid_argument', `${JSON.stringify(address)} is not an IPv4 or IPv6 address`);
  }
  // An IPv4-mapped IPv6 client (::ffff:a.b.c.d) is the IPv4 client it names.
  const candidate = unmapIpv4(parsed);
  return networks.some(
    (network) =>
      network.family === candidate.family &&
      prefixEqual(network.bytes, candidate.bytes, network.prefixLength),
  );
}

export function parseCidr(entry: string): CidrNetwork | undefined {
  const slash = entry.indexOf('/');
  const addressText = slash < 0 ? entry : entry.slice(0, slash);
  const address = parseIpAddress(addressText);
  if (address === undefined) return undefined;
  const maxPrefix = address.bytes.length * 8;
  let prefixLength = maxPrefix;
  if (slash >= 0) {
    const maskText = entry.slice(slash + 1);
    if (!/^\d{1,3}$/.test(maskText)) return undefined;
    prefixLength = Number(maskText);
    if (prefixLength > maxPrefix) return undefined;
  }
  if (!hostBitsZero(address.bytes, prefixLength)) return undefined;
  return { ...address, prefixLength };
}

export function parseIpAddress(text: string): { family: 4 | 6; bytes: Uint8Array } | undefined {
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return { family: 4, bytes: v4 };
  const v6 = parseIpv6(text);
  if (v6 !== undefined) return { family: 6, bytes: v6 };
  return undefined;
}

function parseIpv4(text: string): Uint8Array | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (match === null) return undefined;
  const octets = match.slice(1).map(Number);
  if (octets.some((octet) => octet > 255)) return undefined;
  return new Uint8Array(octets);
}

function parseIpv6(text: string): Uint8Array | undefined {
  if (text.length < 2 || text.length > 45 || !/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parseGroups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const groups: number[] = [];
    const pieces = part.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i]!;
      if (i === pieces.length - 1 && piece.includes('.')) {
        const v4 = parseIpv4(piece);
        if (v4 === undefined) return undefined;
        groups.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(piece)) {
        groups.push(parseInt(piece, 16));
      } else {
        return undefined;
      }
    }
    return groups;
  };
  const head = parseGroups(halves[0]!);
  const tail = halves.length === 2 ? parseGroups(halves[1]!) : [];
  if (head === undefined || tail === undefined) return undefined;
  // An embedded IPv4 address may only end the address.
  if (halves.length === 2 && halves[0]!.includes('.')) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    bytes[2 * i] = group >> 8;
    bytes[2 * i + 1] = group & 0xff;
  });
  return bytes;
}

function unmapIpv4(address: { family: 4 | 6; bytes: Uint8Array }): { family: 4 | 6; bytes: Uint8Array } {
  const b = address.bytes;
  if (address.family === 6 && b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) {
    return { family: 4, bytes: b.slice(12) };
  }
  return address;
}

function hostBitsZero(bytes: Uint8Array, prefixLength: number): boolean {
  for (let bit = prefixLength; bit < bytes.length * 8; bit++) {
    if ((bytes[bit >> 3]! >> (7 - (bit & 7))) & 1) return false;
  }
  return true;
}

function prefixEqual(a: Uint8Array, b: Uint8Array, prefixLength: number): boolean {
  for (let bit = 0; bit < prefixLength; bit++) {
    if (((a[bit >> 3]! ^ b[bit >> 3]!) >> (7 - (bit & 7))) & 1) return false;
  }
  return true;
}

function invalidList(list: string, why: string): LatchkeyError {
  return new LatchkeyError(
    'invalid_certificate_options',
    `source-address ${JSON.stringify(list.slice(0, 200))} is invalid: ${why}`,
  );
}
