import { sign, verify, type KeyObject } from 'node:crypto';
import { LatchkeyError } from '../errors/latchkey-error.js';
import { nodePrivateKeyOf, type SshPrivateKey } from './ssh-private-key.js';
import { nodePublicKeyOf, type SshPublicKey } from './ssh-public-key.js';
import { SshWireReader, SshWireWriter } from './ssh-wire.js';

/**
 * SSH signatures (RFC 8709 Ed25519, RFC 5656 ECDSA, RFC 8332 RSA) over arbitrary data, made and checked
 * with node:crypto. A signature on the wire is string(algorithm) + string(data); for ECDSA the data is
 * mpint(r) + mpint(s), which node calls the DER-free "ieee-p1363" form once padded.
 */
export interface SshSignature {
  readonly algorithm: string;
  readonly bytes: Uint8Array;
}

/** RSA signature algorithms and their hashes; `ssh-rsa` (SHA-1) is verified but never produced. */
const RSA_HASHES: Readonly<Record<string, string>> = {
  'ssh-rsa': 'sha1',
  'rsa-sha2-256': 'sha256',
  'rsa-sha2-512': 'sha512',
};

const P256_SCALAR_BYTES = 32;

export function signSshData(key: SshPrivateKey, data: Uint8Array): SshSignature {
  const keyObject = nodePrivateKeyOf(key);
  switch (key.algorithm) {
    case 'ed25519':
      return { algorithm: 'ssh-ed25519', bytes: sign(null, data, keyObject) };
    case 'ecdsa-p256': {
      const rs = sign('sha256', data, { key: keyObject, dsaEncoding: 'ieee-p1363' });
      const bytes = new SshWireWriter(80)
        .unsignedMpint(rs.subarray(0, P256_SCALAR_BYTES))
        .unsignedMpint(rs.subarray(P256_SCALAR_BYTES))
        .toBytes();
      return { algorithm: 'ecdsa-sha2-nistp256', bytes };
    }
    case 'rsa':
      return { algorithm: 'rsa-sha2-512', bytes: sign('sha512', data, keyObject) };
    default:
      throw new LatchkeyError('unsupported_key_type', `cannot sign with a ${String(key.algorithm)} key`);
  }
}

/** The wire form: string(algorithm) + string(bytes). */
export function encodeSshSignature(signature: SshSignature): Uint8Array {
  return new SshWireWriter(signature.bytes.length + 40)
    .text(signature.algorithm)
    .string(signature.bytes)
    .toBytes();
}

/**
 * True only if `signature` is a valid signature of `data` by `key` with an algorithm that fits the key
 * type. Never throws for malformed signature data: that is simply not a valid signature.
 */
export function verifySshSignature(key: SshPublicKey, data: Uint8Array, signature: SshSignature): boolean {
  try {
    const keyObject = nodePublicKeyOf(key);
    switch (key.algorithm) {
      case 'ed25519':
        return (
          signature.algorithm === 'ssh-ed25519' &&
          signature.bytes.length === 64 &&
          verify(null, data, keyObject, signature.bytes)
        );
      case 'ecdsa-p256':
        return signature.algorithm === 'ecdsa-sha2-nistp256' && verifyEcdsa(keyObject, data, signature.bytes);
      case 'rsa': {
        const hash = RSA_HASHES[signature.algorithm];
        return hash !== undefined && verifyRsa(keyObject, hash, data, signature.bytes);
      }
      default:
        return false;
    }
  } catch {
    return false;
  }
}

function verifyEcdsa(keyObject: KeyObject, data: Uint8Array, bytes: Uint8Array): boolean {
  const reader = new SshWireReader(bytes, 'ECDSA signature');
  const r = reader.unsignedMpint('r', P256_SCALAR_BYTES);
  const s = reader.unsignedMpint('s', P256_SCALAR_BYTES);
  reader.finish();
  if (r.length === 0 || s.length === 0) return false;
  const rs = new Uint8Array(2 * P256_SCALAR_BYTES);
  rs.set(r, P256_SCALAR_BYTES - r.length);
  rs.set(s, 2 * P256_SCALAR_BYTES - s.length);
  return verify('sha256', data, { key: keyObject, dsaEncoding: 'ieee-p1363' }, rs);
}

function verifyRsa(keyObject: KeyObject, hash: string, data: Uint8Array, bytes: Uint8Array): boolean {
  const modulusBytes = Math.ceil((keyObject.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
  if (bytes.length === 0 || bytes.length > modulusBytes) return false;
  // OpenSSH accepts a signature shorter than the modulus (leading zeros dropped) by left-padding it.
  let signature = bytes;
  if (bytes.length < modulusBytes) {
    signature = new Uint8Array(modulusBytes);
    signature.set(bytes, modulusBytes - bytes.length);
  }
  return verify(hash, data, keyObject, signature);
}
