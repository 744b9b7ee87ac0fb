/**
 * Auditor key files, in the form of Cloudflare's ssh-log-cli (`generate-key-pair -o NAME`): standard base64
 * with padding of the raw 32-byte X25519 key, no trailing newline; private key in NAME, public key in NAME.pub.
 * Readers trim surrounding whitespace. The same base64 text is what `audit_ssh_settings.public_key` holds.
 */
import { LatchkeyError } from '../errors/latchkey-error.js';
import { X25519_KEY_LENGTH } from './hpke-base.js';

const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function encodeAuditorKey(raw: Uint8Array): string {
  if (raw.length !== X25519_KEY_LENGTH) {
    throw new LatchkeyError(
      'invalid_auditor_key',
      `an auditor key is ${X25519_KEY_LENGTH} bytes, got ${raw.length}`,
    );
  }
  return Buffer.from(raw).toString('base64');
}

/**
 * Decodes an auditor key (`which` names it in errors: "public key", "private key file sshkey", …).
 * Throws invalid_auditor_key saying what is wrong: not base64, or not 32 bytes.
 */
export function parseAuditorKey(text: string, which = 'auditor key'): Uint8Array {
  const trimmed = text.trim();
  if (trimmed.length === 0) throw new LatchkeyError('invalid_auditor_key', `the ${which} is empty`);
  if (!STRICT_BASE64.test(trimmed)) {
    throw new LatchkeyError(
      'invalid_auditor_key',
      `the ${which} is not standard base64 (expected 44 characters like ssh-log-cli writes)`,
    );
  }
  const raw = Buffer.from(trimmed, 'base64');
  if (raw.length !== X25519_KEY_LENGTH) {
    throw new LatchkeyError(
      'invalid_auditor_key',
      `the ${which} decodes to ${raw.length} bytes; an X25519 key is ${X25519_KEY_LENGTH}`,
    );
  }
  return new Uint8Array(raw);
}
