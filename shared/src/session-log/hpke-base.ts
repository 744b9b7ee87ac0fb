/**
 * HPKE (RFC 9180) in base mode for exactly one suite: DHKEM(X25519, HKDF-SHA256) 0x0020, HKDF-SHA256
 * 0x0001, ChaCha20-Poly1305 0x0003, the suite of Cloudflare's SSH command logs.
 *
 * Why not @hpke/core alone: it seals through WebCrypto-style async calls and a pure-JS ChaCha20 (under
 * 100 MB/s here), while session logs need a synchronous sealer in the recorder's hot path and decryption
 * well above 100 MB/s. This module derives the key schedule with node:crypto (X25519, HMAC-SHA256) and seals
 * with Node's native ChaCha20-Poly1305. It is checked against RFC 9180's test vector A.2.1 and against
 * @hpke/core in both directions (test/shared/session-log/hpke-base.test.ts).
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { LatchkeyError } from '../errors/latchkey-error.js';

const KEM_ID = 0x0020;
const KDF_ID = 0x0001;
const AEAD_ID = 0x0003;
const KEY_LENGTH = 32;
const NONCE_LENGTH = 12;
const TAG_LENGTH = 16;
export const X25519_KEY_LENGTH = 32;

const encoder = new TextEncoder();
const KEM_SUITE_ID = concat(encoder.encode('KEM'), u16(KEM_ID));
const HPKE_SUITE_ID = concat(encoder.encode('HPKE'), u16(KEM_ID), u16(KDF_ID), u16(AEAD_ID));
const HPKE_V1 = encoder.encode('HPKE-v1');

// DER wrappers that turn raw X25519 keys into KeyObjects (RFC 8410).
const PKCS8_X25519_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_X25519_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

export interface HpkeKeyPair {
  privateKey: Uint8Array;
  publicKey: Uint8Array;
}

/** A fresh X25519 key pair as raw 32-byte strings, the form of ssh-log-cli's key files. */
export function generateHpkeKeyPair(): HpkeKeyPair {
  const privateKey = randomBytes(X25519_KEY_LENGTH);
  return { privateKey, publicKey: hpkePublicKeyFor(privateKey) };
}

/** The X25519 public key of a raw private key. */
export function hpkePublicKeyFor(privateKey: Uint8Array): Uint8Array {
  const spki = createPublicKey(x25519PrivateKey(privateKey)).export({ format: 'der', type: 'spki' });
  return new Uint8Array(spki.subarray(SPKI_X25519_PREFIX.length));
}

/** The sending side of one HPKE context: seal() numbers messages 0, 1, 2, … in order. */
export interface HpkeSealer {
  /** The encapsulated key (the ephemeral public key), sent to the recipient. */
  readonly enc: Uint8Array;
  seal(plaintext: Uint8Array, aad?: Uint8Array): Uint8Array;
  /**
   * The same message as seal(), as its two pieces (the ciphertext body, then the 16-byte tag) for a
   * caller that writes pieces anyway: joining them would copy every sealed byte once more (the recorder
   * seals 32 KiB at a time, and that copy was most of its garbage).
   */
  sealPieces(plaintext: Uint8Array, aad?: Uint8Array): [body: Uint8Array, tag: Uint8Array];
  /** How many messages were sealed so far (the next sequence number). */
  readonly sequence: number;
}

export interface HpkeOpener {
  /** Opens the next message; on failure the sequence stays where it was. */
  open(ciphertext: Uint8Array, aad?: Uint8Array): Uint8Array;
  /** Steps past a message that could not be opened, so the ones after it still can. */
  skip(): void;
  readonly sequence: number;
}

/**
 * SetupBaseS: a sender context to `recipientPublicKey`. `ephemeralPrivateKey` is for test vectors only;
 * by default a fresh one is drawn.
 */
export function setupHpkeSender(
  recipientPublicKey: Uint8Array,
  options: { info?: Uint8Array; ephemeralPrivateKey?: Uint8Array } = {},
): HpkeSealer {
  const recipient = x25519PublicKey(recipientPublicKey);
  const ephemeral = options.ephemeralPrivateKey ?? randomBytes(X25519_KEY_LENGTH);
  const enc = hpkePublicKeyFor(ephemeral);
  const dh = diffieHellman({ privateKey: x25519PrivateKey(ephemeral), publicKey: recipient });
  const sharedSecret = extractAndExpand(dh, concat(enc, recipientPublicKey));
  const { key, baseNonce } = keySchedule(sharedSecret, options.info ?? new Uint8Array(0));
  let sequence = 0;
  const sealPieces = (plaintext: Uint8Array, aad?: Uint8Array): [Uint8Array, Uint8Array] => {
    const cipher = createCipheriv('chacha20-poly1305', key, nonceFor(baseNonce, sequence++), {
      authTagLength: TAG_LENGTH,
    });
    if (aad !== undefined && aad.length > 0) cipher.setAAD(aad, { plaintextLength: plaintext.length });
    const body = cipher.update(plaintext);
    cipher.final();
    return [body, cipher.getAuthTag()];
  };
  return {
    enc,
    get sequence() {
      return sequence;
    },
    seal(plaintext, aad) {
      const [body, tag] = sealPieces(plaintext, aad);
      return concat(body, tag);
    },
    sealPieces,
  };
}

/** SetupBaseR: a recipient context for `enc` with the raw private key. */
export function setupHpkeRecipient(
  recipientPrivateKey: Uint8Array,
  enc: Uint8Array,
  options: { info?: Uint8Array } = {},
): HpkeOpener {
  if (enc.length !== X25519_KEY_LENGTH) {
    throw new LatchkeyError(
      'session_log_decryption_failed',
      `the encapsulated key must be ${X25519_KEY_LENGTH} bytes, got ${enc.length}`,
    );
  }
  const privateKey = x25519PrivateKey(recipientPrivateKey);
  const recipientPublicKey = hpkePublicKeyFor(recipientPrivateKey);
  let dh: Buffer;
  try {
    dh = diffieHellman({ privateKey, publicKey: x25519PublicKey(enc) });
  } catch (cause) {
    throw new LatchkeyError(
      'session_log_decryption_failed',
      'the encapsulated key is not a usable X25519 key',
      {
        cause,
      },
    );
  }
  const sharedSecret = extractAndExpand(dh, concat(enc, recipientPublicKey));
  const { key, baseNonce } = keySchedule(sharedSecret, options.info ?? new Uint8Array(0));
  let sequence = 0;
  return {
    get sequence() {
      return sequence;
    },
    skip() {
      sequence++;
    },
    open(ciphertext, aad) {
      if (ciphertext.length < TAG_LENGTH) {
        throw new LatchkeyError(
          'session_log_decryption_failed',
          'a ciphertext is shorter than its 16-byte tag',
        );
      }
      const bodyLength = ciphertext.length - TAG_LENGTH;
      const decipher = createDecipheriv('chacha20-poly1305', key, nonceFor(baseNonce, sequence), {
        authTagLength: TAG_LENGTH,
      });
      decipher.setAuthTag(ciphertext.subarray(bodyLength));
      if (aad !== undefined && aad.length > 0) decipher.setAAD(aad, { plaintextLength: bodyLength });
      const body = decipher.update(ciphertext.subarray(0, bodyLength));
      try {
        decipher.final();
      } catch (cause) {
        throw new LatchkeyError(
          'session_log_decryption_failed',
          `message ${sequence} does not authenticate: wrong key, or the data was altered, reordered or swapped`,
          { cause },
        );
      }
      sequence++;
      return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
    },
  };
}

function keySchedule(sharedSecret: Uint8Array, info: Uint8Array): { key: Buffer; baseNonce: Buffer } {
  const empty = new Uint8Array(0);
  const pskIdHash = labeledExtract(HPKE_SUITE_ID, empty, 'psk_id_hash', empty);
  const infoHash = labeledExtract(HPKE_SUITE_ID, empty, 'info_hash', info);
  const context = concat(Uint8Array.of(0x00), pskIdHash, infoHash); // mode_base
  const secret = labeledExtract(HPKE_SUITE_ID, sharedSecret, 'secret', empty);
  return {
    key: Buffer.from(labeledExpand(HPKE_SUITE_ID, secret, 'key', context, KEY_LENGTH)),
    baseNonce: Buffer.from(labeledExpand(HPKE_SUITE_ID, secret, 'base_nonce', context, NONCE_LENGTH)),
  };
}

function extractAndExpand(dh: Uint8Array, kemContext: Uint8Array): Uint8Array {
  const eaePrk = labeledExtract(KEM_SUITE_ID, new Uint8Array(0), 'eae_prk', dh);
  return labeledExpand(KEM_SUITE_ID, eaePrk, 'shared_secret', kemContext, 32);
}

function labeledExtract(suiteId: Uint8Array, salt: Uint8Array, label: string, ikm: Uint8Array): Uint8Array {
  // HKDF-Extract(salt, ikm) = HMAC(salt or zeros, ikm).
  const key = salt.length === 0 ? Buffer.alloc(32) : salt;
  return createHmac('sha256', key)
    .update(concat(HPKE_V1, suiteId, encoder.encode(label), ikm))
    .digest();
}

function labeledExpand(
  suiteId: Uint8Array,
  prk: Uint8Array,
  label: string,
  info: Uint8Array,
  length: number,
): Uint8Array {
  const labeledInfo = concat(u16(length), HPKE_V1, suiteId, encoder.encode(label), info);
  // HKDF-Expand; every length used here fits in one or two SHA-256 blocks.
  const output = new Uint8Array(length);
  let previous: Uint8Array = new Uint8Array(0);
  for (let offset = 0, counter = 1; offset < length; counter++) {
    previous = createHmac('sha256', prk)
      .update(concat(previous, labeledInfo, Uint8Array.of(counter)))
      .digest();
    output.set(previous.subarray(0, Math.min(previous.length, length - offset)), offset);
    offset += previous.length;
  }
  return output;
}

function nonceFor(baseNonce: Buffer, sequence: number): Buffer {
  const nonce = Buffer.from(baseNonce);
  // XOR the big-endian sequence number into the last bytes (sequence < 2^53 here).
  let value = sequence;
  for (let index = NONCE_LENGTH - 1; value > 0 && index >= 0; index--) {
    nonce[index] = nonce[index]! ^ (value & 0xff);
    value = Math.floor(value / 256);
  }
  return nonce;
}

function x25519PrivateKey(raw: Uint8Array): KeyObject {
  if (raw.length !== X25519_KEY_LENGTH) {
    throw new LatchkeyError('invalid_auditor_key', `an X25519 private key is 32 bytes, got ${raw.length}`);
  }
  return createPrivateKey({ key: Buffer.concat([PKCS8_X25519_PREFIX, raw]), format: 'der', type: 'pkcs8' });
}

function x25519PublicKey(raw: Uint8Array): KeyObject {
  if (raw.length !== X25519_KEY_LENGTH) {
    throw new LatchkeyError('invalid_auditor_key', `an X25519 public key is 32 bytes, got ${raw.length}`);
  }
  return createPublicKey({ key: Buffer.concat([SPKI_X25519_PREFIX, raw]), format: 'der', type: 'spki' });
}

function u16(value: number): Uint8Array {
  return Uint8Array.of(value >> 8, value & 0xff);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}
