/**
 * The browser's stand-in for shared/src/session-log/hpke-base.ts (the console bundle swaps it in:
 * server/src/adapters/http/console/console-bundles.ts): the recipient side of the same HPKE suite
 * (DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305), synchronous, on the @noble primitives
 * instead of node:crypto, so that shared's reader (session-log-reader.ts) runs unchanged in the page and
 * judges a log exactly as `latchkey logs` does. Why not @hpke/core: its recipient context cannot step
 * past a message that fails to open, and the reader must (a tampered chunk is told from a wrong key by
 * the chunks after it opening). The key schedule is RFC 9180's, line for line as hpke-base.ts;
 * test/server/console/hpke-browser.test.ts opens real logs with both, and test/e2e/console/ decrypts
 * one in Chromium.
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { LatchkeyError } from '@latchkey/shared/errors/latchkey-error';

const KEM_ID = 0x0020;
const KDF_ID = 0x0001;
const AEAD_ID = 0x0003;
const NONCE_LENGTH = 12;
const TAG_LENGTH = 16;
export const X25519_KEY_LENGTH = 32;

const encoder = new TextEncoder();
const KEM_SUITE_ID = concat(encoder.encode('KEM'), u16(KEM_ID));
const HPKE_SUITE_ID = concat(encoder.encode('HPKE'), u16(KEM_ID), u16(KDF_ID), u16(AEAD_ID));
const HPKE_V1 = encoder.encode('HPKE-v1');

export interface HpkeOpener {
  readonly sequence: number;
  open(ciphertext: Uint8Array, aad?: Uint8Array): Uint8Array;
  skip(): void;
}

export function hpkePublicKeyFor(privateKey: Uint8Array): Uint8Array {
  checkLength(privateKey, 'private');
  return x25519.getPublicKey(privateKey);
}

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
  checkLength(recipientPrivateKey, 'private');
  const recipientPublicKey = x25519.getPublicKey(recipientPrivateKey);
  let dh: Uint8Array;
  try {
    dh = x25519.getSharedSecret(recipientPrivateKey, enc);
  } catch (cause) {
    throw new LatchkeyError(
      'session_log_decryption_failed',
      'the encapsulated key is not a usable X25519 key',
      {
        cause,
      },
    );
  }
  const sharedSecret = labeledExpand(
    KEM_SUITE_ID,
    labeledExtract(KEM_SUITE_ID, new Uint8Array(0), 'eae_prk', dh),
    'shared_secret',
    concat(enc, recipientPublicKey),
    32,
  );
  const empty = new Uint8Array(0);
  const context = concat(
    Uint8Array.of(0x00),
    labeledExtract(HPKE_SUITE_ID, empty, 'psk_id_hash', empty),
    labeledExtract(HPKE_SUITE_ID, empty, 'info_hash', options.info ?? empty),
  );
  const secret = labeledExtract(HPKE_SUITE_ID, sharedSecret, 'secret', empty);
  const key = labeledExpand(HPKE_SUITE_ID, secret, 'key', context, 32);
  const baseNonce = labeledExpand(HPKE_SUITE_ID, secret, 'base_nonce', context, NONCE_LENGTH);
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
      let body: Uint8Array;
      try {
        body = chacha20poly1305(key, nonceFor(baseNonce, sequence), aad).decrypt(ciphertext);
      } catch (cause) {
        throw new LatchkeyError(
          'session_log_decryption_failed',
          `message ${sequence} does not authenticate: wrong key, or the data was altered, reordered or swapped`,
          { cause },
        );
      }
      sequence++;
      return body;
    },
  };
}

function labeledExtract(suiteId: Uint8Array, salt: Uint8Array, label: string, ikm: Uint8Array): Uint8Array {
  const key = salt.length === 0 ? new Uint8Array(32) : salt;
  return hmac(sha256, key, concat(HPKE_V1, suiteId, encoder.encode(label), ikm));
}

function labeledExpand(
  suiteId: Uint8Array,
  prk: Uint8Array,
  label: string,
  info: Uint8Array,
  length: number,
): Uint8Array {
  const labeledInfo = concat(u16(length), HPKE_V1, suiteId, encoder.encode(label), info);
  const output = new Uint8Array(length);
  let previous: Uint8Array = new Uint8Array(0);
  for (let offset = 0, counter = 1; offset < length; counter++) {
    previous = hmac(sha256, prk, concat(previous, labeledInfo, Uint8Array.of(counter)));
    output.set(previous.subarray(0, Math.min(previous.length, length - offset)), offset);
    offset += previous.length;
  }
  return output;
}

function nonceFor(baseNonce: Uint8Array, sequence: number): Uint8Array {
  const nonce = Uint8Array.from(baseNonce);
  let value = sequence;
  for (let index = NONCE_LENGTH - 1; value > 0 && index >= 0; index--) {
    nonce[index] = nonce[index]! ^ (value & 0xff);
    value = Math.floor(value / 256);
  }
  return nonce;
}

function checkLength(raw: Uint8Array, which: 'private' | 'public'): void {
  if (raw.length !== X25519_KEY_LENGTH) {
    throw new LatchkeyError('invalid_auditor_key', `an X25519 ${which} key is 32 bytes, got ${raw.length}`);
  }
}

function u16(value: number): Uint8Array {
  return Uint8Array.of(value >> 8, value & 0xff);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
