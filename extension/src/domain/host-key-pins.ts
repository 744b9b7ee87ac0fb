/**
 * Trust on first use for target host keys: the first key a (host, port) shows is pinned; later
 * connections must show the same key. A changed key is never accepted silently: the connection stops
 * and the person must remove the pin on purpose ("Latchkey: Forget Host Key").
 */
export type HostKeyPins = Record<string, string>;

export type HostKeyVerdict = { kind: 'known' } | { kind: 'new' } | { kind: 'changed'; pinned: string };

export function pinKey(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function checkHostKey(
  pins: HostKeyPins,
  host: string,
  port: number,
  fingerprint: string,
): HostKeyVerdict {
  const pinned = pins[pinKey(host, port)];
  if (pinned === undefined) return { kind: 'new' };
  return pinned === fingerprint ? { kind: 'known' } : { kind: 'changed', pinned };
}

export function withPin(pins: HostKeyPins, host: string, port: number, fingerprint: string): HostKeyPins {
  return { ...pins, [pinKey(host, port)]: fingerprint };
}

export function withoutPin(pins: HostKeyPins, host: string, port: number): HostKeyPins {
  const copy = { ...pins };
  delete copy[pinKey(host, port)];
  return copy;
}

export function changedHostKeyMessage(host: string, port: number, pinned: string, shown: string): string {
  return (
    `The host key of ${pinKey(host, port)} has CHANGED (pinned ${pinned}, now ${shown}). ` +
    'Someone may be intercepting the connection, or the server was reinstalled. Not connecting. ' +
    'If you know why it changed, run "Latchkey: Forget Host Key" and connect again.'
  );
}
