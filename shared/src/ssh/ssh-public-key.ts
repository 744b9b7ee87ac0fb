import { createPublicKey, type KeyObject } from 'node:crypto';
import { LatchkeyError } from '../errors/latchkey-error.js';
import { sha256Fingerprint } from './fingerprint.js';
import {
  KNOWN_UNSUPPORTED_SSH_TYPES,
  RSA_MAX_BITS,
  RSA_MIN_BITS,
  keyTypeByAlgorithm,
  keyTypeByCertType,
  keyTypeBySshType,
  type SshKeyAlgorithm,
  type SshKeyTypeInfo,
} from './ssh-key-types.js';
import { encodeBase64 } from './strict-base64.js';
import { SshWireReader, SshWireWriter, bytesEqual } from './ssh-wire.js';

/** A public key in OpenSSH's terms. Immutable; `blob` is its canonical SSH wire encoding. */
export interface SshPublicKey {
  readonly algorithm: SshKeyAlgorithm;
  /** `ssh-ed25519` | `ecdsa-sha2-nistp256` | `ssh-rsa`. */
  readonly sshType: string;
  /** The SSH wire encoding of the public key (what authorized_keys holds in base64). */
  readonly blob: Uint8Array;
  /** `SHA256:<unpadded base64>`, exactly as `ssh-keygen -l` prints it. */
  fingerprint(): string;
  /** One authorized_keys line without a newline: `ssh-ed25519 AAAA... comment`. */
  toAuthorizedKey(comment?: string): string;
  equals(other: SshPublicKey): boolean;
}

/**
 * The implementation: keeps the node:crypto KeyObject so that verifying with the key costs no re-import.
 * The KeyObject may be made on first use (Ed25519 keys read from the wire, whose 32 bytes need no
 * validation by import): a server signing certificates for them never needs it.
 */
class OpenSshPublicKey implements SshPublicKey {
  private cachedFingerprint: string | undefined;
  private cachedKeyObject: KeyObject | undefined;

  constructor(
    readonly algorithm: SshKeyAlgorithm,
    readonly sshType: string,
    readonly blob: Uint8Array,
    keyObject: KeyObject | (() => KeyObject),
  ) {
    if (typeof keyObject === 'function') this.makeKeyObject = keyObject;
    else this.cachedKeyObject = keyObject;
  }

  private makeKeyObject: (() => KeyObject) | undefined;

  get keyObject(): KeyObject {
    this.cachedKeyObject ??= this.makeKeyObject!();
    return this.cachedKeyObject;
  }

  fingerprint(): string {
    this.cachedFingerprint ??= sha256Fingerprint(this.blob);
    return this.cachedFingerprint;
  }

  toAuthorizedKey(comment?: string): string {
    return authorizedKeyLine(this.sshType, this.blob, comment);
  }

  equals(other: SshPublicKey): boolean {
    return this.sshType === other.sshType && bytesEqual(this.blob, other.blob);
  }
}

/** `type base64 [comment]` as in authorized_keys and *.pub files; a comment must stay on one line. */
export function authorizedKeyLine(type: string, blob: Uint8Array, comment?: string): string {
  const text = `${type} ${encodeBase64(blob)}`;
  if (comment === undefined || comment === '') return text;
  if (/[\r\n\0]/.test(comment)) {
    throw new LatchkeyError('invalid_argument', 'a key comment must be a single line without NUL bytes');
  }
  return `${text} ${comment}`;
}

/** The node:crypto public KeyObject of a key (cached for keys made by this module). */
export function nodePublicKeyOf(key: SshPublicKey): KeyObject {
  if (key instanceof OpenSshPublicKey) return key.keyObject;
  return decodePublicKeyBlob(key.blob).keyObject;
}

const P256_COORDINATE_BYTES = 32;
const ED25519_KEY_BYTES = 32;

/**
 * Reads the type-specific public key fields (after the type name) from `reader`, as they appear both in
 * a plain key blob and in a certificate, and returns the key with its canonical blob. The key material is
 * validated (sizes, curve name, point on the curve, RSA modulus size): `malformed_key` otherwise.
 */
export function readPublicKeyFields(
  reader: SshWireReader,
  info: SshKeyTypeInfo,
  what: string,
): OpenSshPublicKey {
  switch (info.algorithm) {
    case 'ed25519': {
      const x = reader.string('ed25519 public key');
      if (x.length !== ED25519_KEY_BYTES) {
        throw new LatchkeyError('malformed_key', `${what}: ed25519 public key is ${x.length} bytes, not 32`);
      }
      // Every 32-byte string is an Ed25519 public key to OpenSSL's import (as to OpenSSH's): the
      // canonical blob is built directly and the KeyObject only when something verifies with it.
      const raw = new Uint8Array(x);
      const blob = new SshWireWriter(64).text(info.sshType).string(raw).toBytes();
      return new OpenSshPublicKey(info.algorithm, info.sshType, blob, () =>
        createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: base64url(raw) }, format: 'jwk' }),
      );
    }
    case 'ecdsa-p256': {
      const curve = reader.text('curve name');
      if (curve !== 'nistp256') {
        throw new LatchkeyError(
          'malformed_key',
          `${what}: curve ${JSON.stringify(curve)} does not match ${info.sshType}`,
        );
      }
      const point = reader.string('EC point');
      if (point.length !== 1 + 2 * P256_COORDINATE_BYTES || point[0] !== 0x04) {
        throw new LatchkeyError('malformed_key', `${what}: EC point is not an uncompressed P-256 point`);
      }
      return fromJwk(
        info,
        {
          kty: 'EC',
          crv: 'P-256',
          x: base64url(point.subarray(1, 1 + P256_COORDINATE_BYTES)),
          y: base64url(point.subarray(1 + P256_COORDINATE_BYTES)),
        },
        what,
      );
    }
    case 'rsa': {
      const e = reader.unsignedMpint('RSA exponent', 64);
      const n = reader.unsignedMpint('RSA modulus', RSA_MAX_BITS / 8);
      const bits = bitLength(n);
      if (bits < RSA_MIN_BITS) {
        throw new LatchkeyError(
          'malformed_key',
          `${what}: RSA modulus of ${bits} bits is below OpenSSH's ${RSA_MIN_BITS}`,
        );
      }
      if (e.length === 0 || (e[e.length - 1]! & 1) === 0) {
        throw new LatchkeyError('malformed_key', `${what}: RSA exponent must be odd`);
      }
      return fromJwk(info, { kty: 'RSA', n: base64url(n), e: base64url(e) }, what);
    }
  }
}

/** Decodes a plain public key wire blob (`ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`). */
export function decodePublicKeyBlob(blob: Uint8Array, what = 'public key'): OpenSshPublicKey {
  try {
    const reader = new SshWireReader(blob, what);
    const type = reader.text('key type');
    const info = keyTypeBySshType(type);
    if (info === undefined) throw unsupportedKeyType(type, what);
    const key = readPublicKeyFields(reader, info, what);
    reader.finish();
    return key;
  } catch (error) {
    // Inside a bare key blob, truncation and stray bytes are plain key damage.
    if (error instanceof LatchkeyError && error.code.startsWith('certificate_')) {
      throw new LatchkeyError('malformed_key', error.message, { cause: error });
    }
    throw error;
  }
}

export function unsupportedKeyType(type: string, what: string): LatchkeyError {
  if (keyTypeByCertType(type) !== undefined || type.endsWith('-cert-v01@openssh.com')) {
    return new LatchkeyError(
      'unsupported_key_type',
      `${what}: ${type} is a certificate, not a plain public key`,
    );
  }
  const known = KNOWN_UNSUPPORTED_SSH_TYPES.includes(type);
  return new LatchkeyError(
    'unsupported_key_type',
    `${what}: key type ${JSON.stringify(type.slice(0, 64))} is ${known ? 'not supported' : 'unknown'}; ` +
      'use ssh-ed25519, ecdsa-sha2-nistp256 or ssh-rsa',
  );
}

/** The SSH public key of a node:crypto key (public or private). */
export function publicKeyFromNodeKey(key: KeyObject): OpenSshPublicKey {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const jwk = publicKey.export({ format: 'jwk' });
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && jwk.x !== undefined) {
    const info = keyTypeByAlgorithm('ed25519');
    const blob = new SshWireWriter(64).text(info.sshType).string(fromBase64url(jwk.x)).toBytes();
    return new OpenSshPublicKey(info.algorithm, info.sshType, blob, publicKey);
  }
  if (jwk.kty === 'EC' && jwk.crv === 'P-256' && jwk.x !== undefined && jwk.y !== undefined) {
    const info = keyTypeByAlgorithm('ecdsa-p256');
    const point = new Uint8Array(1 + 2 * P256_COORDINATE_BYTES);
    point[0] = 0x04;
    point.set(leftPad(fromBase64url(jwk.x), P256_COORDINATE_BYTES), 1);
    point.set(leftPad(fromBase64url(jwk.y), P256_COORDINATE_BYTES), 1 + P256_COORDINATE_BYTES);
    const blob = new SshWireWriter(128).text(info.sshType).text('nistp256').string(point).toBytes();
    return new OpenSshPublicKey(info.algorithm, info.sshType, blob, publicKey);
  }
  if (jwk.kty === 'RSA' && jwk.n !== undefined && jwk.e !== undefined) {
    const info = keyTypeByAlgorithm('rsa');
    const blob = new SshWireWriter(600)
      .text(info.sshType)
      .unsignedMpint(fromBase64url(jwk.e))
      .unsignedMpint(fromBase64url(jwk.n))
      .toBytes();
    return new OpenSshPublicKey(info.algorithm, info.sshType, blob, publicKey);
  }
  throw new LatchkeyError(
    'unsupported_key_type',
    `keys of type ${publicKey.asymmetricKeyType ?? 'unknown'}${jwk.crv ? ` (${jwk.crv})` : ''} are not supported; ` +
      'use Ed25519, ECDSA P-256 or RSA',
  );
}

function fromJwk(info: SshKeyTypeInfo, jwk: Record<string, string>, what: string): OpenSshPublicKey {
  let keyObject: KeyObject;
  try {
    keyObject = createPublicKey({ key: jwk, format: 'jwk' });
  } catch (cause) {
    throw new LatchkeyError('malformed_key', `${what}: not a valid ${info.sshType} key`, { cause });
  }
  // Re-encode rather than slice the input: OpenSSH fingerprints the canonical encoding too.
  return publicKeyFromNodeKey(keyObject);
}

function bitLength(unsigned: Uint8Array): number {
  if (unsigned.length === 0) return 0;
  return (unsigned.length - 1) * 8 + (32 - Math.clz32(unsigned[0]!));
}

function leftPad(bytes: Uint8Array, length: number): Uint8Array {
  if (bytes.length >= length) return bytes;
  const padded = new Uint8Array(length);
  padded.set(bytes, length - bytes.length);
  return padded;
}

export function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64url');
}

export function fromBase64url(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64url'));
}
