/**
 * Which of the host's addresses the target is registered with: one IPv4 and one IPv6 at most (a
 * target has one of each), from the interfaces the admin named, else from every interface that is up
 * and not loopback. Link-local IPv6 (fe80::/10) never counts: it is meaningless off the link. Pure: the
 * adapter lists the interfaces.
 */
export interface InterfaceAddress {
  /** The interface's name: eth0, ens3, lo … */
  readonly interface: string;
  readonly address: string;
  readonly family: 'IPv4' | 'IPv6';
  /** Loopback (os.networkInterfaces' `internal`). */
  readonly internal: boolean;
}

export interface TargetAddresses {
  readonly ipv4?: string;
  readonly ipv6?: string;
}

/**
 * `interfaces`: the names that count, in order of preference (loopback allowed when named); undefined
 * or empty: every non-loopback interface, in the order listed.
 */
export function pickAddresses(
  available: readonly InterfaceAddress[],
  interfaces?: readonly string[],
): TargetAddresses {
  const named = interfaces !== undefined && interfaces.length > 0;
  const candidates = named
    ? interfaces.flatMap((name) => available.filter((entry) => entry.interface === name))
    : available.filter((entry) => !entry.internal);
  const usable = candidates.filter((entry) => !isLinkLocalV6(entry));
  const ipv4 = usable.find((entry) => entry.family === 'IPv4')?.address;
  const ipv6 = usable.find((entry) => entry.family === 'IPv6')?.address;
  return { ...(ipv4 === undefined ? {} : { ipv4 }), ...(ipv6 === undefined ? {} : { ipv6 }) };
}

/** Why no address was found, saying what to change. */
export function noAddressMessage(
  available: readonly InterfaceAddress[],
  interfaces?: readonly string[],
): string {
  const names = [...new Set(available.map((entry) => entry.interface))].join(', ') || 'none';
  return interfaces !== undefined && interfaces.length > 0
    ? `the interfaces ${interfaces.join(', ')} have no usable IPv4 or IPv6 address (interfaces here: ${names}); name others with --interface`
    : `no interface other than loopback has a usable address (interfaces here: ${names}); name one with --interface`;
}

function isLinkLocalV6(entry: InterfaceAddress): boolean {
  return entry.family === 'IPv6' && /^fe[89ab][0-9a-f]:/i.test(entry.address);
}
