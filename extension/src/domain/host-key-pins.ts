/**
 * Host keys of targets. A target fronted by its agent is held to the account's host CA when its front
 * presents a host certificate (host-certificate-check.ts), else to the key the access server gives
 * (ServerHostKey below). Any other target is trusted on first use: the first key a (host, port) shows is
 * pinned; later connections must show the same key. A changed key is never accepted silently: the
 * connection stops and the person must remove the pin on purpose ("Latchkey: Forget Host Key").
 */
import { createHash } from 'node:crypto';
import { LatchkeyError } from '@latchkey/shared';

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

/**
 * A fronted target (its agent runs an SSH front) is not trusted on first use: the access server gives its
 * host key (as the agent reported it), in the certificate answer, and the connection accepts exactly that
 * key. Nothing is pinned or asked for it.
 */
export interface ServerHostKey {
  /** `ssh-ed25519`, `ecdsa-sha2-nistp256`, … */
  type: string;
  /** `SHA256:…` of the key's wire blob, as ssh-keygen -l prints it (and as the connector reports keys). */
  fingerprint: string;
  /** The host key algorithms to negotiate, so the front shows this key and no other of its keys. */
  algorithms: string[];
}

const HOST_KEY_ALGORITHMS: Record<string, string[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

/**
 * What a fronted target's connection must find: the host CA's certificate when the server gives a
 * `host_ca` (the front presents a host certificate), else the front's key. From the freshest source as
 * expectedHostKey; undefined (first use) for a target that is not fronted.
 */
export function expectedHostTrust(
  issued: { port: number; host_key?: string; host_ca?: string },
  listed: { front?: { port: number; host_key: string; host_ca?: string } },
): { hostCa: string } | { hostKey: string } | undefined {
  if (issued.host_key !== undefined) {
    return issued.host_ca === undefined ? { hostKey: issued.host_key } : { hostCa: issued.host_ca };
  }
  const front = listed.front;
  if (front === undefined || front.port !== issued.port) return undefined;
  return front.host_ca === undefined ? { hostKey: front.host_key } : { hostCa: front.host_ca };
}

/**
 * The key a connection must find, from the freshest source: the certificate answer's `host_key`; else,
 * when the listed target is fronted at the port the certificate names, its front's key (so a server that
 * leaves `host_key` out never turns a fronted target back into trust on first use); else undefined
 * (first use).
 */
export function expectedHostKey(
  issued: { port: number; host_key?: string },
  listed: { front?: { port: number; host_key: string } },
): string | undefined {
  if (issued.host_key !== undefined) return issued.host_key;
  return listed.front !== undefined && listed.front.port === issued.port ? listed.front.host_key : undefined;
}

/**
 * Reads the server's host key line strictly (one `TYPE BASE64 [COMMENT]` line of a known key type whose
 * data names the same type); a LatchkeyError naming the target otherwise.
 */
export function parseServerHostKey(line: string, hostname: string): ServerHostKey {
  const refuse = (why: string) =>
    new LatchkeyError(
      'internal',
      `the access server's host key for ${hostname} ${why}; not connecting (tell your administrator)`,
    );
  const trimmed = line.trim();
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) throw refuse('contains a control character or a line break');
  const [, type, data] = /^(\S+) (\S+)(?: .*)?$/.exec(trimmed) ?? [];
  if (type === undefined || data === undefined) {
    throw refuse('is not one OpenSSH public key line (TYPE BASE64 [COMMENT])');
  }
  const algorithms = HOST_KEY_ALGORITHMS[type];
  if (algorithms === undefined) throw refuse(`is of a type Latchkey does not take (${type})`);
  const blob = Buffer.from(data, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(data) || blob.toString('base64') !== data) {
    throw refuse('is not valid base64');
  }
  const nameLength = blob.length >= 4 ? blob.readUInt32BE(0) : -1;
  const inner =
    nameLength >= 0 && 4 + nameLength <= blob.length ? blob.subarray(4, 4 + nameLength) : undefined;
  if (inner?.toString('latin1') !== type || blob.length === 4 + nameLength) {
    throw refuse(`says ${type} but its data is not a ${type} key`);
  }
  return {
    type,
    fingerprint: `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`,
    algorithms: [...algorithms],
  };
}

/** What a host that did not show a host certificate from the host CA for the target is told. */
export function refusedHostCertificateMessage(hostname: string, where: string, shown: string): string {
  return (
    `The host at ${where} is not the one the access server certified as ${hostname}: it showed ${shown}, ` +
    `not a host certificate from your access server's host CA for ${hostname}. Not connecting (nothing was sent to it). ` +
    `If ${hostname}'s agent was reinstalled just now, refresh the Latchkey view and connect again; otherwise ` +
    'someone may be intercepting the connection: tell your administrator.'
  );
}

/**
 * `shown`: what the host showed instead, e.g. `the host key SHA256:…`, or `no ssh-ed25519 host key` (it
 * has none of the key's type to show).
 */
export function refusedServerHostKeyMessage(
  hostname: string,
  where: string,
  expected: string,
  shown: string,
): string {
  return (
    `The host at ${where} is not the one the access server knows for ${hostname}: it showed ${shown}, ` +
    `the server gives ${expected}. Not connecting (nothing was sent to it). If ${hostname}'s agent was reinstalled ` +
    'just now, refresh the Latchkey view and connect again once the agent has reported its new key; otherwise ' +
    'someone may be intercepting the connection: tell your administrator.'
  );
}
