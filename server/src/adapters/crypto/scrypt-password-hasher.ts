/**
 * Password hashing with scrypt (node:crypto; RFC 7914), stored as
 * `scrypt$<log2 N>$<r>$<p>$<salt base64url>$<digest base64url>` so that parameters can be raised later
 * without invalidating stored hashes: verify reads them from the hash. Defaults follow OWASP's scrypt
 * recommendation (N=2^17, r=8, p=1: 128 MiB, about 0.3 s on this machine's class of CPU).
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { PasswordHasher } from '../../app/ports/password-hasher.js';

export interface ScryptParameters {
  log2N: number;
  r: number;
  p: number;
}

export const DEFAULT_SCRYPT_PARAMETERS: ScryptParameters = { log2N: 17, r: 8, p: 1 };
const SALT_BYTES = 16;
const DIGEST_BYTES = 32;
const FORMAT = /^scrypt\$(\d{1,2})\$(\d{1,3})\$(\d{1,3})\$([A-Za-z0-9_-]{16,})\$([A-Za-z0-9_-]{16,})$/;

function derive(password: string, salt: Buffer, params: ScryptParameters, length: number): Promise<Buffer> {
  const N = 2 ** params.log2N;
  return new Promise((resolve, reject) =>
    scrypt(
      password.normalize('NFC'),
      salt,
      length,
      { N, r: params.r, p: params.p, maxmem: 256 * N * params.r + 1024 * 1024 },
      (error, key) => (error === null ? resolve(key) : reject(error)),
    ),
  );
}

export function scryptPasswordHasher(params: ScryptParameters = DEFAULT_SCRYPT_PARAMETERS): PasswordHasher {
  const dummySalt = randomBytes(SALT_BYTES);
  return {
    async hash(password) {
      const salt = randomBytes(SALT_BYTES);
      const digest = await derive(password, salt, params, DIGEST_BYTES);
      return `scrypt$${params.log2N}$${params.r}$${params.p}$${salt.toString('base64url')}$${digest.toString('base64url')}`;
    },

    async verify(password, hash) {
      const match = FORMAT.exec(hash);
      if (match === null) return false;
      const stored: ScryptParameters = { log2N: Number(match[1]), r: Number(match[2]), p: Number(match[3]) };
      if (stored.log2N < 10 || stored.log2N > 22 || stored.r < 1 || stored.p < 1 || stored.p > 16)
        return false;
      const salt = Buffer.from(match[4] as string, 'base64url');
      const expected = Buffer.from(match[5] as string, 'base64url');
      const actual = await derive(password, salt, stored, expected.length);
      return timingSafeEqual(actual, expected);
    },

    async verifyNothing(password) {
      await derive(password, dummySalt, params, DIGEST_BYTES);
    },
  };
}
