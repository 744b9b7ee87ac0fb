import { LatchkeyError } from '../errors/latchkey-error.js';

const BASE64_SHAPE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes canonical, padded base64 as OpenSSH writes it. Node's own decoder silently skips invalid
 * characters and ignores bad padding; a key or certificate with such damage must be refused instead
 * (`malformed_base64`), so the shape is checked first and the round trip confirms canonical trailing bits.
 */
export function decodeStrictBase64(text: string, what: string): Uint8Array {
  if (text.length === 0 || !BASE64_SHAPE.test(text)) {
    throw new LatchkeyError('malformed_base64', `${what} is not valid base64`);
  }
  const bytes = Buffer.from(text, 'base64');
  if (bytes.toString('base64') !== text) {
    throw new LatchkeyError(
      'malformed_base64',
      `${what} is not canonical base64 (stray bits in the padding)`,
    );
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64');
}
