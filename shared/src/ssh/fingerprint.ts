import { createHash } from 'node:crypto';

/** OpenSSH's default fingerprint of a public key blob: `SHA256:` + unpadded base64 of its SHA-256. */
export function sha256Fingerprint(blob: Uint8Array): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}
