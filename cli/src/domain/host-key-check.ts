/**
 * Which host key a connection to a target must find. A fronted target (an agent-managed target, reached
 * at its agent's SSH front) has the key the access server gives for it: Latchkey pins that key before ssh
 * starts and ssh checks strictly, so there is never a trust-on-first-use prompt. Any other target keeps
 * trust on first use (undefined here).
 */
import type { IssuedCertificate, MeTarget } from './access-api.js';
import { serverHostKey } from './known-hosts.js';

/** The key the access server gives (canonical `TYPE BASE64`), and where it was read. */
export interface ServerHostKey {
  hostKey: string;
  /**
   * `certificate`: the certificate answer, as fresh as anything the server can say. `list`: the target
   * list (the certificate answer named none), which may be the recent list kept for 5 minutes.
   */
  from: 'certificate' | 'list';
}

/** A listed target's host key (for an ssh started before the certificate is issued); undefined: first use. */
export function listedHostKey(target: MeTarget): string | undefined {
  return target.front === undefined ? undefined : serverHostKey(target.front.host_key, target.hostname);
}

/**
 * The host key of the connection a certificate was issued for: the certificate answer's `host_key`; else,
 * when the listed target is fronted at the port the certificate names, its front's key (so a server that
 * leaves `host_key` out never turns a fronted target back into trust on first use); else undefined.
 * Throws a LatchkeyError when the key the server gave is not one plain public key.
 */
export function issuedHostKey(
  issued: IssuedCertificate['target'],
  listed: MeTarget,
): ServerHostKey | undefined {
  if (issued.host_key !== undefined) {
    return { hostKey: serverHostKey(issued.host_key, issued.hostname), from: 'certificate' };
  }
  if (listed.front !== undefined && listed.front.port === issued.port) {
    return { hostKey: serverHostKey(listed.front.host_key, listed.hostname), from: 'list' };
  }
  return undefined;
}
