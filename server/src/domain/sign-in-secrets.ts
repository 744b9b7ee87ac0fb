/**
 * The secrets of sign-in: device codes, refresh tokens and one-time confirmations are 32 random bytes
 * in base64url behind a prefix that says what they are; only their SHA-256 is stored (as for API
 * tokens). User codes are what a person types: 8 letters from RFC 8628's suggested 20-consonant
 * alphabet (no vowels, so no words; no look-alikes), shown as XXXX-XXXX; 20^8 ≈ 2^34.6 codes, and each
 * guess also needs the person's own sign-in, so they need no further secrecy.
 */
import { createHash } from 'node:crypto';

export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
const USER_CODE_LENGTH = 8;

export type SecretKind = 'device_code' | 'refresh_token' | 'confirmation';
const PREFIX: Record<SecretKind, string> = {
  device_code: 'lkd_',
  refresh_token: 'lkr_',
  confirmation: 'lkc_',
};

export function formatSecret(kind: SecretKind, randomBytes: Uint8Array): string {
  if (randomBytes.length < 32) throw new RangeError('a sign-in secret needs at least 32 random bytes');
  return PREFIX[kind] + Buffer.from(randomBytes).toString('base64url');
}

export function isSecretOfKind(kind: SecretKind, value: string): boolean {
  return value.startsWith(PREFIX[kind]) && /^[A-Za-z0-9_-]{43,}$/.test(value.slice(PREFIX[kind].length));
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/**
 * A user code from random bytes, without modulo bias: bytes of 240 and above are skipped (240 is the
 * largest multiple of 20 in a byte). Returns undefined when `randomBytes` ran out; pass 32 bytes.
 */
export function userCodeFromBytes(randomBytes: Uint8Array): string | undefined {
  let code = '';
  for (const byte of randomBytes) {
    if (byte >= 240) continue;
    code += USER_CODE_ALPHABET[byte % USER_CODE_ALPHABET.length];
    if (code.length === USER_CODE_LENGTH) return `${code.slice(0, 4)}-${code.slice(4)}`;
  }
  return undefined;
}

/**
 * What a person typed, as the stored form XXXX-XXXX: case, spaces and dashes do not matter. Undefined
 * when it cannot be a user code (wrong length or letters outside the alphabet).
 */
export function normaliseUserCode(input: string): string | undefined {
  const letters = input.toUpperCase().replace(/[\s-]/g, '');
  if (letters.length !== USER_CODE_LENGTH) return undefined;
  for (const letter of letters) if (!USER_CODE_ALPHABET.includes(letter)) return undefined;
  return `${letters.slice(0, 4)}-${letters.slice(4)}`;
}
