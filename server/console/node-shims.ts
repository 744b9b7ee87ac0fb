/**
 * What shared's session-log reader takes from Node, for the browser bundle (server/src/adapters/http/console/console-bundles.ts maps
 * `node:crypto` and `node:buffer` here, and injects `Buffer`): SHA-256 through createHash (the metadata
 * digest), isUtf8, and the `buffer` package's Buffer.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { Buffer } from 'buffer';

export { Buffer };

export function createHash(algorithm: string) {
  if (algorithm !== 'sha256') throw new Error(`only sha256 is available in the browser, not ${algorithm}`);
  const hash = sha256.create();
  const api = {
    update(data: Uint8Array | string) {
      hash.update(typeof data === 'string' ? new TextEncoder().encode(data) : data);
      return api;
    },
    digest(encoding?: 'hex') {
      const bytes = Buffer.from(hash.digest());
      return encoding === undefined ? bytes : bytes.toString(encoding);
    },
  };
  return api;
}

export function isUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}
