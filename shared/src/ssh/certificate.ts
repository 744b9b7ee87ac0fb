import type { CertificateOptions } from './certificate-options.js';
import { authorizedKeyLine, type SshPublicKey } from './ssh-public-key.js';
import { UINT64_MAX } from './ssh-wire.js';

export type CertificateType = 'user' | 'host';

/**
 * `validBefore.getTime()` of a certificate valid forever (valid_before = 2^64-1 on the wire), the
 * largest instant a JS Date can hold (+275760-09-13). A validity end at or beyond it is shown as this
 * Date; the exact wire value is in `validBeforeSeconds`. A start of 0 ("from the beginning") is the epoch.
 * Pass `new Date(CERTIFICATE_FOREVER_MS)` as validBefore to issue a certificate without expiry.
 */
export const CERTIFICATE_FOREVER_MS = 8_640_000_000_000_000;

/** A parsed or freshly issued OpenSSH certificate. Immutable; `blob` is the exact wire encoding. */
export interface SshCertificate {
  /** `ssh-ed25519-cert-v01@openssh.com`, `ecdsa-sha2-nistp256-cert-v01@openssh.com` or `ssh-rsa-cert-v01@openssh.com`. */
  readonly certType: string;
  readonly type: CertificateType;
  readonly nonce: Uint8Array;
  readonly subjectKey: SshPublicKey;
  readonly serial: bigint;
  readonly keyId: string;
  readonly principals: readonly string[];
  /** Start of validity (inclusive). Epoch for "always". */
  readonly validAfter: Date;
  /** End of validity (exclusive). `CERTIFICATE_FOREVER_MS` for "forever". */
  readonly validBefore: Date;
  /** The exact uint64 wire values of the validity interval, in seconds since the epoch. */
  readonly validAfterSeconds: bigint;
  readonly validBeforeSeconds: bigint;
  /** Flags are `''`; valued options carry their text. Keys are in wire (sorted) order. */
  readonly criticalOptions: CertificateOptions;
  readonly extensions: CertificateOptions;
  /** The CA's public key. */
  readonly signatureKey: SshPublicKey;
  /** The signature's algorithm name and its data as on the wire (for ECDSA: mpint r || mpint s). */
  readonly signature: { readonly algorithm: string; readonly bytes: Uint8Array };
  /** The whole certificate wire blob. */
  readonly blob: Uint8Array;
  /** How many leading bytes of `blob` the signature covers. */
  readonly signedLength: number;
  /** One `*-cert.pub` line: `ssh-ed25519-cert-v01@openssh.com AAAA... comment`. */
  toAuthorizedKey(comment?: string): string;
}

/** The signed part of a certificate: everything before the CA's signature. */
export interface UnsignedCertificate {
  readonly certType: string;
  readonly type: CertificateType;
  readonly nonce: Uint8Array;
  readonly subjectKey: SshPublicKey;
  readonly serial: bigint;
  readonly keyId: string;
  readonly principals: readonly string[];
  readonly validAfterSeconds: bigint;
  readonly validBeforeSeconds: bigint;
  readonly criticalOptions: CertificateOptions;
  readonly extensions: CertificateOptions;
  readonly signatureKey: SshPublicKey;
}

export interface CertificateFields extends UnsignedCertificate {
  readonly signature: { readonly algorithm: string; readonly bytes: Uint8Array };
  readonly blob: Uint8Array;
  readonly signedLength: number;
}

export class OpenSshCertificate implements SshCertificate {
  readonly certType: string;
  readonly type: CertificateType;
  readonly nonce: Uint8Array;
  readonly subjectKey: SshPublicKey;
  readonly serial: bigint;
  readonly keyId: string;
  readonly principals: readonly string[];
  readonly validAfterSeconds: bigint;
  readonly validBeforeSeconds: bigint;
  readonly criticalOptions: CertificateOptions;
  readonly extensions: CertificateOptions;
  readonly signatureKey: SshPublicKey;
  readonly signature: { readonly algorithm: string; readonly bytes: Uint8Array };
  readonly blob: Uint8Array;
  readonly signedLength: number;

  constructor(fields: CertificateFields) {
    this.certType = fields.certType;
    this.type = fields.type;
    this.nonce = fields.nonce;
    this.subjectKey = fields.subjectKey;
    this.serial = fields.serial;
    this.keyId = fields.keyId;
    this.principals = Object.freeze([...fields.principals]);
    this.validAfterSeconds = fields.validAfterSeconds;
    this.validBeforeSeconds = fields.validBeforeSeconds;
    this.criticalOptions = fields.criticalOptions;
    this.extensions = fields.extensions;
    this.signatureKey = fields.signatureKey;
    this.signature = Object.freeze({ ...fields.signature });
    this.blob = fields.blob;
    this.signedLength = fields.signedLength;
  }

  get validAfter(): Date {
    return secondsToDate(this.validAfterSeconds);
  }

  get validBefore(): Date {
    return secondsToDate(this.validBeforeSeconds);
  }

  toAuthorizedKey(comment?: string): string {
    return authorizedKeyLine(this.certType, this.blob, comment);
  }
}

const MAX_DATE_SECONDS = BigInt(CERTIFICATE_FOREVER_MS / 1000);

/** uint64 seconds → Date, clamped to the largest Date (see CERTIFICATE_FOREVER_MS). */
export function secondsToDate(seconds: bigint): Date {
  return new Date(seconds >= MAX_DATE_SECONDS ? CERTIFICATE_FOREVER_MS : Number(seconds) * 1000);
}

/** Date → uint64 seconds (floored); the largest Date means "forever" (2^64-1). */
export function dateToSeconds(date: Date): bigint {
  const ms = date.getTime();
  if (ms >= CERTIFICATE_FOREVER_MS) return UINT64_MAX;
  return BigInt(Math.floor(ms / 1000));
}
