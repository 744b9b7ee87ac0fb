import { LatchkeyError } from '../errors/latchkey-error.js';
import type { CertificateType, SshCertificate } from './certificate.js';
import { OpenSshCertificate } from './certificate.js';
import { decodeCertificateBlob } from './certificate-codec.js';
import type { SshPublicKey } from './ssh-public-key.js';
import { verifySshSignature } from './ssh-signature.js';
import { parseSourceAddressList, sourceAddressMatches, type CidrNetwork } from './source-address.js';

export type CertificateRejection =
  | 'bad_signature'
  | 'untrusted_ca'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_type'
  | 'principal_not_listed'
  | 'no_principals'
  | 'unknown_critical_option'
  | 'source_address_mismatch';

/** An expected outcome, not an exception: accepted, or rejected with sshd's reason. */
export type CertificateVerdict = { ok: true } | { ok: false; reason: CertificateRejection; message: string };

export interface CertificatePolicy {
  trustedCaKeys: SshPublicKey[];
  now: Date;
  /** Default 'user'. */
  type?: CertificateType;
  /** The login name (user certs) or host name (host certs) that must be a listed principal. */
  principal?: string;
  /** The client's IP address, checked against a source-address critical option. */
  sourceAddress?: string;
  /**
   * Critical options the verifier understands beyond OpenSSH's own (e.g. TARGET_BINDING_OPTION): they
   * pass this check, and checking their values is the caller's job.
   */
  understoodCriticalOptions?: readonly string[];
}

/** The critical options OpenSSH 9 understands; any other one makes sshd refuse the certificate. */
export const KNOWN_CRITICAL_OPTIONS: readonly string[] = [
  'force-command',
  'source-address',
  'verify-required',
];

/**
 * True only if the certificate's signature is a valid signature, by its embedded CA key, over the
 * signed part of its blob, with an algorithm that fits the CA key type. (sshpk's isSignedByKey compares
 * fingerprints only; this is the real check.)
 */
export function verifyCertificateSignature(cert: SshCertificate): boolean {
  // Trust the fields only of certificates this module built; anything else is re-read from its blob.
  let checked: SshCertificate;
  try {
    checked = cert instanceof OpenSshCertificate ? cert : decodeCertificateBlob(cert.blob);
  } catch {
    return false;
  }
  return verifySshSignature(
    checked.signatureKey,
    checked.blob.subarray(0, checked.signedLength),
    checked.signature,
  );
}

/**
 * Decides as sshd (TrustedUserCAKeys) or ssh (@cert-authority) would, in their order: signature, trusted
 * CA, certificate type, validity window (valid_after <= now < valid_before, whole seconds), principals,
 * critical options, source-address. Host certificates follow the client's rules: an empty principal list
 * matches any host, and any critical option is refused.
 */
export function verifyCertificate(cert: SshCertificate, policy: CertificatePolicy): CertificateVerdict {
  const nowMs = policy.now instanceof Date ? policy.now.getTime() : NaN;
  if (!Number.isFinite(nowMs)) throw new LatchkeyError('invalid_argument', 'policy.now must be a valid Date');
  const wantType = policy.type ?? 'user';

  if (!verifyCertificateSignature(cert)) {
    return reject('bad_signature', 'the certificate signature does not verify against its CA key');
  }
  if (cert.signature.algorithm === 'ssh-rsa') {
    return reject(
      'bad_signature',
      "ssh-rsa (SHA-1) CA signatures are not in sshd's default CASignatureAlgorithms",
    );
  }
  if (!policy.trustedCaKeys.some((ca) => ca.equals(cert.signatureKey))) {
    return reject('untrusted_ca', `CA ${cert.signatureKey.fingerprint()} is not a trusted CA key`);
  }
  if (cert.type !== wantType)
    return reject('wrong_type', `not a ${wantType} certificate (it is a ${cert.type} certificate)`);
  const now = BigInt(Math.floor(nowMs / 1000));
  const validAfter = cert.validAfterSeconds ?? BigInt(Math.floor(cert.validAfter.getTime() / 1000));
  const validBefore = cert.validBeforeSeconds ?? BigInt(Math.floor(cert.validBefore.getTime() / 1000));
  if (now < validAfter) return reject('not_yet_valid', `not valid before ${cert.validAfter.toISOString()}`);
  if (now >= validBefore) return reject('expired', `expired at ${cert.validBefore.toISOString()}`);
  if (cert.principals.length === 0) {
    if (wantType === 'user') return reject('no_principals', 'the certificate lacks a principal list');
  } else if (policy.principal !== undefined && !cert.principals.includes(policy.principal)) {
    return reject('principal_not_listed', `${JSON.stringify(policy.principal)} is not a listed principal`);
  }
  const critical = Object.keys(cert.criticalOptions);
  if (wantType === 'host' && critical.length > 0) {
    return reject(
      'unknown_critical_option',
      `host certificates must not carry critical options (${critical.join(', ')})`,
    );
  }
  const understood = policy.understoodCriticalOptions ?? [];
  const unknown = critical.find(
    (name) => !KNOWN_CRITICAL_OPTIONS.includes(name) && !understood.includes(name),
  );
  if (unknown !== undefined) {
    return reject('unknown_critical_option', `critical option ${JSON.stringify(unknown)} is not supported`);
  }
  const sourceList = cert.criticalOptions['source-address'];
  if (sourceList !== undefined) {
    let networks: CidrNetwork[];
    try {
      networks = parseSourceAddressList(sourceList);
    } catch (error) {
      return reject('source_address_mismatch', error instanceof Error ? error.message : String(error));
    }
    if (policy.sourceAddress === undefined) {
      return reject(
        'source_address_mismatch',
        `the certificate is restricted to ${sourceList}; no source address given`,
      );
    }
    if (!sourceAddressMatches(policy.sourceAddress, networks)) {
      return reject(
        'source_address_mismatch',
        `${policy.sourceAddress} is not in the permitted ${sourceList}`,
      );
    }
  }
  return { ok: true };
}

function reject(reason: CertificateRejection, message: string): CertificateVerdict {
  return { ok: false, reason, message };
}
