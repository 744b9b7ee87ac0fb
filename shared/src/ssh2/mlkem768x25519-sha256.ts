/**
 * The `mlkem768x25519-sha256` hybrid key exchange's arithmetic (draft-ietf-sshm-mlkem-hybrid-kex; as
 * OpenSSH 9.9+ does it in kexmlkem768x25519.c, its default since 10.0), apart from ssh2's plumbing
 * (register-post-quantum-kex.ts):
 *
 * - the client's SSH_MSG_KEX_ECDH_INIT (30) carries C_INIT = ML-KEM-768 encapsulation key (1184 bytes)
 *   || X25519 public key (32);
 * - the server's SSH_MSG_KEX_ECDH_REPLY (31) carries S_REPLY = ML-KEM-768 ciphertext (1088) || X25519
 *   public key (32); both are hashed into H as SSH strings, exactly as sent;
 * - the shared secret is K = SHA-256(ML-KEM shared secret (32) || X25519 shared secret (32)), encoded as
 *   an SSH *string* (not an mpint, unlike every classic exchange) in H and in the key derivation.
 *
 * A malformed C_INIT or S_REPLY (wrong length, an ML-KEM key failing FIPS 203's modulus check, an X25519
 * point giving the all-zero secret) throws: the handshake fails, as OpenSSH's does.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
} from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import {
  ML_KEM_768_CIPHERTEXT_BYTES,
  ML_KEM_768_ENCAPSULATION_KEY_BYTES,
  type MlKem768,
} from './ml-kem-768.js';

export const MLKEM768X25519_SHA256 = 'mlkem768x25519-sha256';

const X25519_BYTES = 32;
/** PKCS #8 for an X25519 private key (RFC 8410), before its 32 bytes. */
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
export const CLIENT_INIT_BYTES = ML_KEM_768_ENCAPSULATION_KEY_BYTES + X25519_BYTES;
export const SERVER_REPLY_BYTES = ML_KEM_768_CIPHERTEXT_BYTES + X25519_BYTES;

/** Fixed randomness, for known-answer tests only; a real exchange draws fresh keys. */
export interface HybridKeyMaterial {
  /** 64-byte ML-KEM-768 key-generation seed (client). */
  readonly mlKemSeed?: Uint8Array;
  /** 32-byte X25519 private key. */
  readonly x25519PrivateKey?: Uint8Array;
}

export interface HybridClient {
  /** C_INIT, to send in SSH_MSG_KEX_ECDH_INIT. */
  readonly init: Buffer;
  /** K's 32 bytes (to encode as an SSH string) from the server's S_REPLY. */
  finish(serverReply: Buffer): Buffer;
}

export function startClient(kem: MlKem768, material: HybridKeyMaterial = {}): HybridClient {
  const decapsulationKey = kem.generateKeyPair(material.mlKemSeed);
  const x25519 = x25519KeyPair(material.x25519PrivateKey);
  return {
    init: Buffer.concat([decapsulationKey.encapsulationKey, x25519.publicKey]),
    finish(serverReply) {
      if (serverReply.length !== SERVER_REPLY_BYTES) {
        throw new Error(
          `${MLKEM768X25519_SHA256}: the server's reply has ${serverReply.length} bytes, not ${SERVER_REPLY_BYTES}`,
        );
      }
      const kemSecret = decapsulationKey.decapsulate(serverReply.subarray(0, ML_KEM_768_CIPHERTEXT_BYTES));
      const ecdhSecret = x25519Secret(x25519.privateKey, serverReply.subarray(ML_KEM_768_CIPHERTEXT_BYTES));
      return combine(kemSecret, ecdhSecret);
    },
  };
}

/**
 * The server's half: S_REPLY for the client's C_INIT and K's 32 bytes. `encapsulate` is the KEM's
 * (a test may pass a deterministic one); the server's X25519 key is fresh unless `material` fixes it.
 */
export function answerClient(
  kem: Pick<MlKem768, 'encapsulate'>,
  clientInit: Buffer,
  material: Pick<HybridKeyMaterial, 'x25519PrivateKey'> = {},
): { reply: Buffer; secret: Buffer } {
  if (clientInit.length !== CLIENT_INIT_BYTES) {
    throw new Error(
      `${MLKEM768X25519_SHA256}: the client's init has ${clientInit.length} bytes, not ${CLIENT_INIT_BYTES}`,
    );
  }
  const { ciphertext, sharedSecret } = kem.encapsulate(
    clientInit.subarray(0, ML_KEM_768_ENCAPSULATION_KEY_BYTES),
  );
  const x25519 = x25519KeyPair(material.x25519PrivateKey);
  const ecdhSecret = x25519Secret(x25519.privateKey, clientInit.subarray(ML_KEM_768_ENCAPSULATION_KEY_BYTES));
  return { reply: Buffer.concat([ciphertext, x25519.publicKey]), secret: combine(sharedSecret, ecdhSecret) };
}

function combine(kemSecret: Buffer, ecdhSecret: Buffer): Buffer {
  return createHash('sha256').update(kemSecret).update(ecdhSecret).digest();
}

function x25519KeyPair(privateKeyBytes: Uint8Array | undefined): {
  privateKey: KeyObject;
  publicKey: Buffer;
} {
  const privateKey =
    privateKeyBytes === undefined
      ? generateKeyPairSync('x25519').privateKey
      : createPrivateKey({
          key: Buffer.concat([X25519_PKCS8_PREFIX, Buffer.from(privateKeyBytes)]),
          format: 'der',
          type: 'pkcs8',
        });
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  return { privateKey, publicKey: Buffer.from(jwk.x ?? '', 'base64url') };
}

/** RFC 7748 X25519 with the peer's raw 32-byte key; the all-zero result (a low-order point) is refused. */
function x25519Secret(privateKey: KeyObject, peerPublicKey: Buffer): Buffer {
  if (peerPublicKey.length !== X25519_BYTES)
    throw new Error(`${MLKEM768X25519_SHA256}: bad X25519 key length`);
  const publicKey = createPublicKey({
    key: { kty: 'OKP', crv: 'X25519', x: peerPublicKey.toString('base64url') },
    format: 'jwk',
  });
  const secret = diffieHellman({ privateKey, publicKey });
  if (secret.every((byte) => byte === 0))
    throw new Error(`${MLKEM768X25519_SHA256}: X25519 gave the all-zero secret`);
  return secret;
}
