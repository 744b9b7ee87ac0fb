/**
 * Host certificates for agents' SSH fronts (DESIGN.md flow 2): what one names and when the server signs
 * a new one; no I/O, time passed in.
 *
 * The certificate names its target three ways, so a client finds its own name for the host among the
 * principals: the target id (what the VS Code extension checks), the hostname (the CLI's HostKeyAlias),
 * and the target's addresses. It lives HOST_CERTIFICATE_VALID_SECONDS; the heartbeat answer brings a
 * new one once less than HOST_CERTIFICATE_RENEW_BEFORE_SECONDS is left, or at once when the front's key,
 * the hostname or the addresses changed, or when the agent's certificate is not the host CA's.
 */
import {
  parseCertificate,
  parseSshPublicKey,
  verifyCertificate,
  type SshCertificate,
  type SshPublicKey,
} from '@latchkey/shared';
import type { TargetRecord } from './records.js';

/** Four weeks: a front whose agent stops heartbeating stays trusted a bounded time. */
export const HOST_CERTIFICATE_VALID_SECONDS = 28 * 24 * 3600;
/** Renewed with two weeks left: an agent cut off from the server for days keeps a valid certificate. */
export const HOST_CERTIFICATE_RENEW_BEFORE_SECONDS = 14 * 24 * 3600;
/** For clock skew between the server and clients. */
export const HOST_CERTIFICATE_BACKDATE_SECONDS = 300;

export type HostCertificateTarget = Pick<TargetRecord, 'id' | 'hostname' | 'ipv4' | 'ipv6'>;

/** Target id, hostname (both lowercase), then the addresses; no duplicates. */
export function hostCertificatePrincipals(target: HostCertificateTarget): string[] {
  const names = [target.id, target.hostname, target.ipv4?.address, target.ipv6?.address];
  return [...new Set(names.filter((name): name is string => name !== undefined && name !== ''))].map((name) =>
    name.toLowerCase(),
  );
}

/** Shown by `ssh -v` and ssh-keygen -L: which target the certificate is for. */
export function hostCertificateKeyId(target: HostCertificateTarget): string {
  return `latchkey target ${target.id.toLowerCase()} ${target.hostname.toLowerCase()}`;
}

export type HostCertificateReason =
  'none' | 'unreadable' | 'not_valid' | 'other_key' | 'principals_changed' | 'renewal_due';

export type HostCertificateDecision =
  { issue: false; certificate: SshCertificate } | { issue: true; reason: HostCertificateReason };

export interface HostCertificateInput {
  /** The certificate line the agent reports it presents, if any. */
  reported: string | undefined;
  /** The front's host key, as the agent reports it. */
  hostKey: SshPublicKey;
  target: HostCertificateTarget;
  caPublicKey: SshPublicKey;
  now: Date;
}

/** Keep the agent's certificate, or sign a new one (and why). */
export function decideHostCertificate(input: HostCertificateInput): HostCertificateDecision {
  if (input.reported === undefined || input.reported.trim() === '') return { issue: true, reason: 'none' };
  let certificate: SshCertificate;
  try {
    certificate = parseCertificate(input.reported.trim());
  } catch {
    return { issue: true, reason: 'unreadable' };
  }
  const verdict = verifyCertificate(certificate, {
    trustedCaKeys: [input.caPublicKey],
    now: input.now,
    type: 'host',
  });
  if (!verdict.ok) return { issue: true, reason: 'not_valid' };
  if (!certificate.subjectKey.equals(input.hostKey)) return { issue: true, reason: 'other_key' };
  const wanted = hostCertificatePrincipals(input.target);
  const listed = certificate.principals;
  if (listed.length !== wanted.length || wanted.some((name, index) => listed[index] !== name)) {
    return { issue: true, reason: 'principals_changed' };
  }
  const leftMs = certificate.validBefore.getTime() - input.now.getTime();
  if (leftMs < HOST_CERTIFICATE_RENEW_BEFORE_SECONDS * 1000) return { issue: true, reason: 'renewal_due' };
  return { issue: false, certificate };
}

/**
 * The host CA to give clients for a front (its public key line), or undefined when they must pin the
 * front's plain key: the front reported no certificate (an older agent), or one that is not valid now
 * from this CA for this key. Clients given the CA trust nothing else for the target.
 */
export function frontHostCa(
  front: { hostKey: string; hostCertificate?: string },
  hostCaPublicKey: string | undefined,
  now: Date,
): string | undefined {
  if (front.hostCertificate === undefined || hostCaPublicKey === undefined) return undefined;
  try {
    const ca = parseSshPublicKey(hostCaPublicKey);
    const certificate = parseCertificate(front.hostCertificate);
    const verdict = verifyCertificate(certificate, { trustedCaKeys: [ca], now, type: 'host' });
    if (!verdict.ok || !certificate.subjectKey.equals(parseSshPublicKey(front.hostKey))) return undefined;
    return ca.toAuthorizedKey();
  } catch {
    return undefined;
  }
}
