import { LatchkeyError } from '../errors/latchkey-error.js';
import { LIMITS } from '../limits.js';
import {
  CERTIFICATE_FOREVER_MS,
  dateToSeconds,
  type CertificateType,
  type SshCertificate,
} from './certificate.js';
import {
  MAX_PRINCIPALS,
  signCertificateBody,
  writeCertificateBody,
  type UnsignedCertificate,
} from './certificate-codec.js';
import { freezeOptions, type CertificateOptions } from './certificate-options.js';
import { keyTypeBySshType } from './ssh-key-types.js';
import type { SshPrivateKey } from './ssh-private-key.js';
import type { SshPublicKey } from './ssh-public-key.js';
import { signSshData } from './ssh-signature.js';
import { SshWireWriter, UINT64_MAX } from './ssh-wire.js';
import { parseSourceAddressList } from './source-address.js';
import { pooledRandomBytes } from './random-pool.js';

export interface CertificateRequest {
  subjectKey: SshPublicKey;
  /** Shown in sshd's log on each login: name the person and the session. May be empty (as in ssh-keygen). */
  keyId: string;
  /** UNIX usernames (user certs) or host names (host certs). Empty: sshd refuses user certs without principals. */
  principals: string[];
  /** Default 'user'. */
  type?: CertificateType;
  /** Default: random 64-bit. */
  serial?: bigint;
  /** Explicit validity; otherwise validAfter = now - backdateSeconds, validBefore = now + validForSeconds. */
  validAfter?: Date;
  /** Exclusive end; `new Date(CERTIFICATE_FOREVER_MS)` means forever. */
  validBefore?: Date;
  /** Default 300. */
  validForSeconds?: number;
  /** Default 60, for clock skew between the issuer and the target. */
  backdateSeconds?: number;
  /** `force-command` (value), `source-address` (CIDR list), `verify-required` (flag ''), or others. */
  criticalOptions?: Record<string, string>;
  /** Default for user certs: DEFAULT_USER_EXTENSIONS; for host certs: none. Flags are ''. */
  extensions?: Record<string, string>;
  /** Default: 32 random bytes. */
  nonce?: Uint8Array;
}

/** Time and randomness come from outside (DESIGN.md); the defaults are the system clock and CSPRNG. */
export interface IssueEnvironment {
  now?: () => Date;
  randomBytes?: (length: number) => Uint8Array;
}

/** The five permit-* extensions ssh-keygen grants by default. */
export const DEFAULT_USER_EXTENSIONS: Readonly<Record<string, string>> = freezeOptions({
  'permit-X11-forwarding': '',
  'permit-agent-forwarding': '',
  'permit-port-forwarding': '',
  'permit-pty': '',
  'permit-user-rc': '',
});

const NO_OPTIONS: CertificateOptions = freezeOptions({});
const DEFAULT_VALID_FOR_SECONDS = LIMITS.certificate.defaultValidForSeconds;
const DEFAULT_BACKDATE_SECONDS = LIMITS.certificate.defaultBackdateSeconds;
/** Longest lifetime accepted through validForSeconds (10 years); longer needs an explicit validBefore. */
export const MAX_VALID_FOR_SECONDS = LIMITS.certificate.maxValidForSeconds;
const MAX_BACKDATE_SECONDS = LIMITS.certificate.maxBackdateSeconds;
const MAX_KEY_ID_LENGTH = LIMITS.certificate.maxKeyIdLength;
const MAX_PRINCIPAL_LENGTH = LIMITS.certificate.maxPrincipalLength;

/** Control characters and NUL: OpenSSH stores these fields as C strings and writes them to its log. */
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/**
 * Issues an OpenSSH certificate for `request.subjectKey`, signed by `ca` (Ed25519 → ssh-ed25519,
 * ECDSA P-256 → ecdsa-sha2-nistp256, RSA → rsa-sha2-512). Invalid requests throw `invalid_argument` or
 * `invalid_certificate_options` with a JSON pointer to the offending field. Pure apart from `env`.
 */
export function issueCertificate(
  ca: SshPrivateKey,
  request: CertificateRequest,
  env: IssueEnvironment = {},
): SshCertificate {
  const random = env.randomBytes ?? pooledRandomBytes;
  const type = request.type ?? 'user';
  if (type !== 'user' && type !== 'host')
    invalid('/type', `type must be "user" or "host", not ${String(type)}`);
  const subjectInfo = keyTypeBySshType(request.subjectKey?.sshType);
  if (subjectInfo === undefined)
    invalid('/subjectKey', 'subjectKey must be an Ed25519, ECDSA P-256 or RSA public key');
  checkKeyId(request.keyId);
  checkPrincipals(request.principals);
  const { validAfterSeconds, validBeforeSeconds } = validity(request, env.now ?? (() => new Date()));
  const serial = request.serial ?? randomSerial(random(8));
  if (typeof serial !== 'bigint' || serial < 0n || serial > UINT64_MAX) {
    invalid('/serial', 'serial must be a bigint from 0 to 2^64-1');
  }
  const nonce = request.nonce ?? random(32);
  if (!(nonce instanceof Uint8Array) || nonce.length < 16 || nonce.length > 256) {
    invalid('/nonce', 'nonce must be 16 to 256 bytes');
  }
  const criticalOptions =
    request.criticalOptions === undefined ? NO_OPTIONS : checkCriticalOptions(request.criticalOptions);
  const extensions =
    request.extensions === undefined
      ? type === 'user'
        ? DEFAULT_USER_EXTENSIONS
        : NO_OPTIONS
      : checkOptions(request.extensions, '/extensions');

  const unsigned: UnsignedCertificate = {
    certType: subjectInfo.certType,
    type,
    nonce,
    subjectKey: request.subjectKey,
    serial,
    keyId: request.keyId,
    principals: request.principals,
    validAfterSeconds,
    validBeforeSeconds,
    criticalOptions,
    extensions,
    signatureKey: ca.publicKey,
  };
  const writer = new SshWireWriter(1024);
  writeCertificateBody(writer, unsigned);
  return signCertificateBody(writer, unsigned, (body) => signSshData(ca, body));
}

function validity(
  request: CertificateRequest,
  now: () => Date,
): { validAfterSeconds: bigint; validBeforeSeconds: bigint } {
  const needsNow = request.validAfter === undefined || request.validBefore === undefined;
  const nowMs = needsNow ? now().getTime() : 0;
  if (needsNow && !Number.isFinite(nowMs)) invalid('/now', 'the clock returned an invalid date');
  const validFor = request.validForSeconds ?? DEFAULT_VALID_FOR_SECONDS;
  if (!Number.isInteger(validFor) || validFor <= 0 || validFor > MAX_VALID_FOR_SECONDS) {
    invalid('/validForSeconds', `validForSeconds must be a whole number from 1 to ${MAX_VALID_FOR_SECONDS}`);
  }
  const backdate = request.backdateSeconds ?? DEFAULT_BACKDATE_SECONDS;
  if (!Number.isInteger(backdate) || backdate < 0 || backdate > MAX_BACKDATE_SECONDS) {
    invalid('/backdateSeconds', `backdateSeconds must be a whole number from 0 to ${MAX_BACKDATE_SECONDS}`);
  }
  const after = request.validAfter ?? new Date(nowMs - backdate * 1000);
  const before = request.validBefore ?? new Date(nowMs + validFor * 1000);
  for (const [pointer, date] of [
    ['/validAfter', after],
    ['/validBefore', before],
  ] as const) {
    if (!(date instanceof Date) || !Number.isFinite(date.getTime()) || date.getTime() < 0) {
      invalid(pointer, `${pointer.slice(1)} must be a valid Date not before 1970`);
    }
  }
  if (after.getTime() > CERTIFICATE_FOREVER_MS - 1000)
    invalid('/validAfter', 'validAfter is too far in the future');
  const validAfterSeconds = dateToSeconds(after);
  const validBeforeSeconds = dateToSeconds(before);
  if (validBeforeSeconds <= validAfterSeconds) {
    invalid('/validBefore', 'the validity interval is empty: validBefore must be after validAfter');
  }
  return { validAfterSeconds, validBeforeSeconds };
}

function checkKeyId(keyId: unknown): void {
  if (typeof keyId !== 'string') invalid('/keyId', 'keyId must be a string');
  if (keyId.length > MAX_KEY_ID_LENGTH)
    invalid('/keyId', `keyId must be at most ${MAX_KEY_ID_LENGTH} characters`);
  if (hasControlCharacter(keyId)) invalid('/keyId', 'keyId must not contain control characters');
}

function checkPrincipals(principals: unknown): asserts principals is string[] {
  if (!Array.isArray(principals)) invalid('/principals', 'principals must be an array of strings');
  if (principals.length > MAX_PRINCIPALS)
    invalid('/principals', `at most ${MAX_PRINCIPALS} principals are allowed`);
  principals.forEach((principal: unknown, index) => {
    const pointer = `/principals/${index}`;
    if (typeof principal !== 'string' || principal === '')
      invalid(pointer, 'a principal must be a non-empty string');
    if (principal.length > MAX_PRINCIPAL_LENGTH) invalid(pointer, 'the principal is too long');
    if (principal.includes(','))
      invalid(pointer, 'a principal must not contain a comma (ssh-keygen -n splits on it)');
    if (hasControlCharacter(principal)) invalid(pointer, 'a principal must not contain control characters');
  });
}

function checkCriticalOptions(options: Record<string, string>): CertificateOptions {
  const checked = checkOptions(options, '/criticalOptions');
  for (const [name, value] of Object.entries(checked)) {
    const pointer = `/criticalOptions/${name}`;
    if (name === 'force-command' && value === '') {
      invalidOption(pointer, 'force-command needs a command (ssh-keygen refuses an empty one)');
    }
    if (name === 'source-address') parseSourceAddressList(value);
    if (name === 'verify-required' && value !== '')
      invalidOption(pointer, 'verify-required is a flag: its value must be ""');
  }
  return checked;
}

function checkOptions(options: Record<string, string>, pointer: string): CertificateOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    invalidOption(pointer, `${pointer.slice(1)} must be an object of name → value strings`);
  }
  for (const [name, value] of Object.entries(options)) {
    if (name === '' || hasControlCharacter(name) || name.length > 256) {
      invalidOption(pointer, `option name ${JSON.stringify(name.slice(0, 64))} is invalid`);
    }
    if (typeof value !== 'string')
      invalidOption(`${pointer}/${name}`, 'option values must be strings ("" for a flag)');
    if (value.includes('\0')) invalidOption(`${pointer}/${name}`, 'option values must not contain NUL');
  }
  return freezeOptions(options);
}

function randomSerial(bytes: Uint8Array): bigint {
  let serial = 0n;
  for (let i = 0; i < 8; i++) serial = (serial << 8n) | BigInt(bytes[i] ?? 0);
  return serial;
}

function invalid(pointer: string, message: string): never {
  throw new LatchkeyError('invalid_argument', message, { pointer });
}

function invalidOption(pointer: string, message: string): never {
  throw new LatchkeyError('invalid_certificate_options', message, { pointer });
}
