import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import {
  ed25519OpenSshPrivateKey,
  ed25519PublicBlob,
  ed25519PublicKeyLine,
} from '../../domain/openssh-keys.js';

/** A fresh Ed25519 key pair that lives only in memory, for one connection. */
export interface EphemeralKeyPair {
  publicKeyLine: string;
  publicKeyBlob: Buffer;
  /** The unencrypted OpenSSH private key, for ssh2's parser. */
  privateKeyOpenSsh: string;
  sign(data: Buffer): Buffer;
}

export function generateEphemeralKeyPair(comment: string): EphemeralKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const publicJwk = publicKey.export({ format: 'jwk' });
  const privateJwk = privateKey.export({ format: 'jwk' });
  const raw = Buffer.from(publicJwk.x ?? '', 'base64url');
  const seed = Buffer.from(privateJwk.d ?? '', 'base64url');
  return {
    publicKeyLine: ed25519PublicKeyLine(raw, comment),
    publicKeyBlob: ed25519PublicBlob(raw),
    privateKeyOpenSsh: ed25519OpenSshPrivateKey(seed, raw, comment, randomBytes(4).readUInt32BE(0)),
    sign: (data) => sign(null, data, privateKey),
  };
}
