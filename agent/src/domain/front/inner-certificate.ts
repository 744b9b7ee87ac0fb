/**
 * The certificate the front logs in to the local sshd with (DESIGN.md flow 6, the inner hop): signed by
 * the host-local CA that only this agent holds, valid for about a minute, usable from loopback only
 * (source-address, which sshd enforces), naming the person and the session in the key id so sshd's own
 * auth log names them, and granting sshd no more than the person's certificate granted the front.
 */
import type { SshCertificate } from '@latchkey/shared/ssh/certificate';
import type { CertificateRequest } from '@latchkey/shared/ssh/issue-certificate';
import type { SshPublicKey } from '@latchkey/shared/ssh/ssh-public-key';

/** sshd accepts an inner certificate only from these addresses. */
export const INNER_SOURCE_ADDRESS = '127.0.0.1/32,::1/128';
/** Long enough to log in; a session outlives its certificate, as with any sshd login. */
export const INNER_VALID_SECONDS = 60;
const INNER_BACKDATE_SECONDS = 5;

/** The permissions sshd knows; the inner certificate carries those the person's certificate had. */
const PASSED_EXTENSIONS = [
  'permit-X11-forwarding',
  'permit-agent-forwarding',
  'permit-port-forwarding',
  'permit-pty',
  'permit-user-rc',
] as const;

export interface InnerLogin {
  readonly outer: SshCertificate;
  readonly username: string;
  readonly person: string;
  readonly sessionId: string;
  /** The one-connection key the front made for this login. */
  readonly subjectKey: SshPublicKey;
}

export function innerCertificateRequest(login: InnerLogin): CertificateRequest {
  const extensions: Record<string, string> = {};
  for (const name of PASSED_EXTENSIONS) {
    if (login.outer.extensions[name] !== undefined) extensions[name] = '';
  }
  return {
    subjectKey: login.subjectKey,
    keyId: `${login.person} session=${login.sessionId} via=latchkey-front`,
    principals: [login.username],
    validForSeconds: INNER_VALID_SECONDS,
    backdateSeconds: INNER_BACKDATE_SECONDS,
    criticalOptions: { 'source-address': INNER_SOURCE_ADDRESS },
    extensions,
  };
}

/** Whether the person's certificate allows something the front relays (sshd would check the same). */
export function permits(
  outer: SshCertificate,
  what: 'pty' | 'port-forwarding' | 'agent-forwarding' | 'X11-forwarding',
): boolean {
  return outer.extensions[`permit-${what}`] !== undefined;
}
