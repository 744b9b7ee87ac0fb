/**
 * Which host key a connection to a target must find. A fronted target (an agent-managed target, reached
 * at its agent's SSH front) is checked strictly, so there is never a trust-on-first-use prompt:
 * - when the server says its front presents a host certificate, by the account's host CA: Latchkey
 *   writes one `@cert-authority` line for the target's name and pins no key, so ssh accepts only a
 *   certificate from that CA naming the target;
 * - otherwise (an older agent without a certificate yet), by the front's key, which Latchkey pins.
 * Any other target keeps trust on first use (undefined here).
 */
import type { IssuedCertificate, MeTarget } from './access-api.js';
import { serverHostKey } from './known-hosts.js';

/** What ssh must find: the host CA's certificate (canonical CA key), or the front's own key (canonical). */
export type HostTrust = { hostKey: string; hostCa?: never } | { hostCa: string; hostKey?: never };

/** The trust the access server gives, and where it was read. */
export type ServerHostKey = HostTrust & {
  /**
   * `certificate`: the certificate answer, as fresh as anything the server can say. `list`: the target
   * list (the certificate answer named none), which may be the recent list kept for 5 minutes.
   */
  from: 'certificate' | 'list';
};

export function sameHostTrust(a: HostTrust | undefined, b: HostTrust | undefined): boolean {
  return a?.hostKey === b?.hostKey && a?.hostCa === b?.hostCa;
}

function trustOf(hostname: string, hostKey: string, hostCa: string | undefined): HostTrust {
  if (hostCa !== undefined) return { hostCa: serverHostKey(hostCa, hostname, 'host CA') };
  return { hostKey: serverHostKey(hostKey, hostname) };
}

/** A listed target's trust (for an ssh started before the certificate is issued); undefined: first use. */
export function listedHostKey(target: MeTarget): HostTrust | undefined {
  return target.front === undefined
    ? undefined
    : trustOf(target.hostname, target.front.host_key, target.front.host_ca);
}

/**
 * The trust for the connection a certificate was issued for: the certificate answer's (`host_ca`, else
 * `host_key`); else, when the listed target is fronted at the port the certificate names, its front's
 * (so a server that leaves them out never turns a fronted target back into trust on first use); else
 * undefined. Throws a LatchkeyError when a key the server gave is not one plain public key.
 */
export function issuedHostKey(
  issued: IssuedCertificate['target'],
  listed: MeTarget,
): ServerHostKey | undefined {
  if (issued.host_key !== undefined) {
    return { ...trustOf(issued.hostname, issued.host_key, issued.host_ca), from: 'certificate' };
  }
  if (listed.front !== undefined && listed.front.port === issued.port) {
    return { ...trustOf(listed.hostname, listed.front.host_key, listed.front.host_ca), from: 'list' };
  }
  return undefined;
}
