import { LatchkeyError } from '../errors/latchkey-error.js';
import type { SshCertificate } from './certificate.js';
import { decodeCertificateBlob } from './certificate-codec.js';
import { SSH_KEY_TYPES } from './ssh-key-types.js';
import { decodeStrictBase64 } from './strict-base64.js';

const CERT_TYPE_SUFFIX = '-cert-v01@openssh.com';
const PLAIN_TYPES = new Set(SSH_KEY_TYPES.map((t) => t.sshType));

/**
 * Reads a certificate from a `*-cert.pub` line (`type base64 [comment]`, also after authorized_keys
 * options), from bare base64, or from the raw wire blob. Throws a LatchkeyError (malformed_base64,
 * malformed_certificate, certificate_truncated, certificate_trailing_data,
 * certificate_length_out_of_range, certificate_wrong_type, invalid_certificate_options, malformed_key,
 * unsupported_key_type) for anything that is not a well-formed certificate. Does not verify the signature.
 */
export function parseCertificate(input: string | Uint8Array): SshCertificate {
  if (typeof input !== 'string') {
    if (input.length > 0 && input[0] === 0) return decodeCertificateBlob(input);
    input = new TextDecoder('utf-8', { fatal: false }).decode(input);
  }
  const text = input.trim();
  if (text === '')
    throw new LatchkeyError('malformed_certificate', 'no certificate found: the input is empty');
  if (/[\r\n]/.test(text)) {
    throw new LatchkeyError('malformed_certificate', 'expected one certificate line, found several lines');
  }
  const tokens = text.split(/[ \t]+/);
  const index = tokens.findIndex((token) => token.endsWith(CERT_TYPE_SUFFIX));
  if (index < 0) {
    if (tokens.some((token) => PLAIN_TYPES.has(token))) {
      throw new LatchkeyError('certificate_wrong_type', 'this is a plain public key line, not a certificate');
    }
    if (tokens.length === 1) return decodeCertificateBlob(decodeStrictBase64(text, 'the certificate'));
    throw new LatchkeyError(
      'malformed_certificate',
      'not a certificate: expected "<type>-cert-v01@openssh.com <base64>"',
    );
  }
  const type = tokens[index]!;
  const encoded = tokens[index + 1];
  if (encoded === undefined)
    throw new LatchkeyError('malformed_certificate', `${type} line has no certificate data`);
  const certificate = decodeCertificateBlob(decodeStrictBase64(encoded, 'the certificate data'));
  if (certificate.certType !== type) {
    throw new LatchkeyError(
      'certificate_wrong_type',
      `the line says ${type.slice(0, 64)} but its data is a ${certificate.certType}`,
    );
  }
  return certificate;
}
