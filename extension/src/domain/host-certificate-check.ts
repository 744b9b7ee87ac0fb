/**
 * A fronted target whose agent's SSH front presents a host certificate is trusted by the account's host
 * CA, not by a key: the connection accepts only an OpenSSH host certificate signed by that CA, of type
 * host, listing the target's id as a principal, valid now (as ssh does with an `@cert-authority` line).
 * Pure: the caller passes the time.
 */
import {
  parseCertificate,
  parseSshPublicKey,
  verifyCertificate,
  type SshCertificate,
} from '@latchkey/shared';

export type HostCertificateVerdict = { ok: true } | { ok: false; shown: string };

/**
 * `hostKeyBlob` is what the host showed (K_S); `hostCa` the access server's CA line, `targetId` the
 * principal it must list. `shown` says what the host showed instead, for the refusal message.
 */
export function checkHostCertificate(
  hostKeyBlob: Uint8Array,
  hostCa: string,
  targetId: string,
  now: Date,
): HostCertificateVerdict {
  let certificate: SshCertificate;
  try {
    certificate = parseCertificate(hostKeyBlob);
  } catch {
    return { ok: false, shown: 'no host certificate (a plain key)' };
  }
  const verdict = verifyCertificate(certificate, {
    trustedCaKeys: [parseSshPublicKey(hostCa)],
    now,
    type: 'host',
    principal: targetId.toLowerCase(),
  });
  if (verdict.ok) return { ok: true };
  switch (verdict.reason) {
    case 'untrusted_ca':
    case 'bad_signature':
      return { ok: false, shown: 'a host certificate from another CA' };
    case 'principal_not_listed':
      return {
        ok: false,
        shown: `a host certificate for another host (${certificate.principals.slice(0, 2).join(', ')})`,
      };
    default:
      return { ok: false, shown: `a host certificate that is not valid (${verdict.message})` };
  }
}
