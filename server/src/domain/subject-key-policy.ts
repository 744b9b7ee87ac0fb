/**
 * Which public keys may be certified for a person (issue 13): RSA keys of fewer than 2048 bits are
 * refused (OpenSSH itself accepts 1024), and so is the CA's own public key: a certificate whose subject
 * is the CA key would let whoever signs as the CA also log in with the CA's key pair, and it tells a
 * caller that the key they hold is the CA's. Pure.
 */
import type { SshPublicKey } from '@latchkey/shared';

export const MIN_SUBJECT_RSA_BITS = 2048;

/** Undefined when `key` may be a certificate's subject key, else why not (for `/public_key`). */
export function subjectKeyProblem(
  key: SshPublicKey,
  caPublicKeys: readonly SshPublicKey[],
): string | undefined {
  return weakRsaKeyProblem(key) ?? caKeyProblem(key, caPublicKeys);
}

/** Why `key` is too weak an RSA key to certify, or undefined (not RSA, or strong enough). */
export function weakRsaKeyProblem(key: SshPublicKey): string | undefined {
  if (key.sshType !== 'ssh-rsa') return undefined;
  const bits = rsaModulusBits(key.blob);
  if (bits === undefined || bits < MIN_SUBJECT_RSA_BITS) {
    return `an RSA key of ${bits ?? 'unknown'} bits is too weak; use at least ${MIN_SUBJECT_RSA_BITS} bits, or Ed25519`;
  }
  return undefined;
}

/** Why `key` may not be certified because it is one of the CA's keys, or undefined. */
export function caKeyProblem(key: SshPublicKey, caPublicKeys: readonly SshPublicKey[]): string | undefined {
  if (caPublicKeys.some((ca) => ca.equals(key))) {
    return "is the account CA's own public key, which is never certified; make a key pair of your own";
  }
  return undefined;
}

/** The bit length of the modulus in an `ssh-rsa` wire blob: string type, mpint e, mpint n. */
export function rsaModulusBits(blob: Uint8Array): number | undefined {
  let offset = 0;
  const next = (): Uint8Array | undefined => {
    if (offset + 4 > blob.length) return undefined;
    const length =
      ((blob[offset]! << 24) | (blob[offset + 1]! << 16) | (blob[offset + 2]! << 8) | blob[offset + 3]!) >>>
      0;
    offset += 4;
    if (offset + length > blob.length) return undefined;
    const field = blob.subarray(offset, offset + length);
    offset += length;
    return field;
  };
  if (next() === undefined || next() === undefined) return undefined;
  const n = next();
  if (n === undefined) return undefined;
  let first = 0;
  while (first < n.length && n[first] === 0) first++;
  if (first === n.length) return 0;
  return (n.length - first - 1) * 8 + (32 - Math.clz32(n[first]!));
}
