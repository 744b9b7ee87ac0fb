import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import sshpk from 'sshpk';
import { LatchkeyError } from '../errors/latchkey-error.js';
import type { SshKeyAlgorithm } from './ssh-key-types.js';
import { RSA_MAX_BITS, RSA_MIN_BITS } from './ssh-key-types.js';
import { publicKeyFromNodeKey, type SshPublicKey } from './ssh-public-key.js';

/** A private key with its public half. The node:crypto KeyObject is kept, so signing costs no re-import. */
export interface SshPrivateKey {
  readonly algorithm: SshKeyAlgorithm;
  readonly publicKey: SshPublicKey;
  /** `-----BEGIN OPENSSH PRIVATE KEY-----`, unencrypted, as `ssh -i` and `ssh-keygen -y` read it (write it 0600). */
  toOpenSSH(comment?: string): string;
  /** Unencrypted PKCS#8 PEM that node:crypto's createPrivateKey (and OpenSSL) accept. */
  toPkcs8Pem(): string;
}

class NodeSshPrivateKey implements SshPrivateKey {
  readonly algorithm: SshKeyAlgorithm;
  readonly publicKey: SshPublicKey;

  constructor(readonly keyObject: KeyObject) {
    this.publicKey = publicKeyFromNodeKey(keyObject);
    this.algorithm = this.publicKey.algorithm;
  }

  toOpenSSH(comment?: string): string {
    if (comment !== undefined && /[\r\n\0]/.test(comment)) {
      throw new LatchkeyError('invalid_argument', 'a key comment must be a single line without NUL bytes');
    }
    // sshpk writes the openssh-key-v1 container; it reads node's PKCS#8 for every type we support.
    const key = sshpk.parsePrivateKey(this.toPkcs8Pem(), 'pkcs8');
    key.comment = comment ?? '';
    return key.toString('openssh');
  }

  toPkcs8Pem(): string {
    return this.keyObject.export({ type: 'pkcs8', format: 'pem' }).toString();
  }
}

/** Wraps a node:crypto private key (Ed25519, P-256 or RSA) as an SshPrivateKey. */
export function privateKeyFromNodeKey(keyObject: KeyObject): SshPrivateKey {
  if (keyObject.type !== 'private') throw new TypeError('expected a private KeyObject');
  if (keyObject.asymmetricKeyType === 'rsa') {
    const bits = keyObject.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS) {
      throw new LatchkeyError(
        'malformed_key',
        `RSA keys must have ${RSA_MIN_BITS} to ${RSA_MAX_BITS} bits, not ${bits}`,
      );
    }
  }
  return new NodeSshPrivateKey(keyObject);
}

/** The node:crypto private KeyObject behind an SshPrivateKey made by this module. */
export function nodePrivateKeyOf(key: SshPrivateKey): KeyObject {
  if (key instanceof NodeSshPrivateKey) return key.keyObject;
  return createPrivateKey(key.toPkcs8Pem());
}

/** A fresh key pair. RSA defaults to 3072 bits, as ssh-keygen does. */
export function generateSshKeyPair(
  algorithm: SshKeyAlgorithm,
  options: { rsaBits?: number } = {},
): SshPrivateKey {
  switch (algorithm) {
    case 'ed25519':
      return new NodeSshPrivateKey(generateKeyPairSync('ed25519').privateKey);
    case 'ecdsa-p256':
      return new NodeSshPrivateKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
    case 'rsa': {
      const bits = options.rsaBits ?? 3072;
      if (!Number.isInteger(bits) || bits < 2048 || bits > 8192 || bits % 8 !== 0) {
        throw new LatchkeyError(
          'invalid_argument',
          `rsaBits must be a multiple of 8 from 2048 to 8192, not ${bits}`,
        );
      }
      return new NodeSshPrivateKey(generateKeyPairSync('rsa', { modulusLength: bits }).privateKey);
    }
    default:
      throw new LatchkeyError('unsupported_key_type', `cannot generate keys of type ${String(algorithm)}`);
  }
}
