/**
 * API token secrets: `lk_` followed by 32 random bytes in base64url. Only their SHA-256 (lowercase hex)
 * is stored, so a database leak does not leak usable tokens; a 256-bit random secret needs no slow hash.
 */
import { createHash } from 'node:crypto';

export const API_TOKEN_PREFIX = 'lk_';

export function formatApiTokenSecret(randomBytes: Uint8Array): string {
  if (randomBytes.length < 32) throw new RangeError('an API token needs at least 32 random bytes');
  return API_TOKEN_PREFIX + Buffer.from(randomBytes).toString('base64url');
}

export function hashApiTokenSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}
