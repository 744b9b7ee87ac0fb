import { LatchkeyError } from '../errors/latchkey-error.js';
import { OpenSshCertificate, type CertificateFields, type UnsignedCertificate } from './certificate.js';
import { decodeCertificateOptions, encodeCertificateOptions } from './certificate-options.js';
import { keyTypeByCertType, keyTypeBySshType } from './ssh-key-types.js';
import { decodePublicKeyBlob, readPublicKeyFields, type SshPublicKey } from './ssh-public-key.js';
import { encodeSshSignature, type SshSignature } from './ssh-signature.js';
import { SshWireReader, SshWireWriter, readTextList } from './ssh-wire.js';

export type { UnsignedCertificate };

/**
 * The OpenSSH certificate wire format (PROTOCOL.certkeys, "v01"):
 *   string type, string nonce, <subject key fields>, uint64 serial, uint32 type (1 user, 2 host),
 *   string key id, string(principals: string*), uint64 valid_after, uint64 valid_before,
 *   string(critical options), string(extensions), string reserved, string(CA key blob),
 *   string(signature over everything before it).
 */

/** OpenSSH's SSHKEY_CERT_MAX_PRINCIPALS. */
export const MAX_PRINCIPALS = 256;

const CERT_TYPE_USER = 1;
const CERT_TYPE_HOST = 2;

/** Encodes the signed part (everything before the signature) into `writer`. */
export function writeCertificateBody(writer: SshWireWriter, cert: UnsignedCertificate): void {
  const subjectBlob = cert.subjectKey.blob;
  // The subject's key fields are its plain blob without the leading string(type).
  const typeLength = new DataView(subjectBlob.buffer, subjectBlob.byteOffset, 4).getUint32(0);
  const principals = new SshWireWriter(16 * cert.principals.length + 8);
  for (const principal of cert.principals) principals.text(principal);
  writer
    .text(cert.certType)
    .string(cert.nonce)
    .raw(subjectBlob.subarray(4 + typeLength))
    .uint64(cert.serial)
    .uint32(cert.type === 'host' ? CERT_TYPE_HOST : CERT_TYPE_USER)
    .text(cert.keyId)
    .string(principals.toBytes())
    .uint64(cert.validAfterSeconds)
    .uint64(cert.validBeforeSeconds)
    .string(encodeCertificateOptions(cert.criticalOptions))
    .string(encodeCertificateOptions(cert.extensions))
    .string(EMPTY)
    .string(cert.signatureKey.blob);
}

/** Signs what `writer` holds (the body written by writeCertificateBody) and assembles the certificate. */
export function signCertificateBody(
  writer: SshWireWriter,
  cert: UnsignedCertificate,
  sign: (data: Uint8Array) => SshSignature,
): OpenSshCertificate {
  const signedLength = writer.size;
  const signature = sign(writer.view());
  writer.string(encodeSshSignature(signature));
  return new OpenSshCertificate({
    certType: cert.certType,
    type: cert.type,
    nonce: cert.nonce,
    subjectKey: cert.subjectKey,
    serial: cert.serial,
    keyId: cert.keyId,
    principals: cert.principals,
    validAfterSeconds: cert.validAfterSeconds,
    validBeforeSeconds: cert.validBeforeSeconds,
    criticalOptions: cert.criticalOptions,
    extensions: cert.extensions,
    signatureKey: cert.signatureKey,
    signature,
    blob: writer.toBytes(),
    signedLength,
  });
}

/**
 * Decodes a certificate wire blob. Every length is bounds-checked and nothing may follow the signature.
 * The signature is NOT verified here (see verify-certificate.ts); its structure is.
 */
export function decodeCertificateBlob(blob: Uint8Array): OpenSshCertificate {
  const reader = new SshWireReader(blob, 'certificate');
  const certType = reader.text('certificate type');
  const info = keyTypeByCertType(certType);
  if (info === undefined) {
    if (keyTypeBySshType(certType) !== undefined) {
      throw new LatchkeyError(
        'certificate_wrong_type',
        `${certType} is a plain public key, not a certificate`,
      );
    }
    if (certType.endsWith('-cert-v01@openssh.com')) {
      throw new LatchkeyError('unsupported_key_type', `certificates of type ${certType} are not supported`);
    }
    throw new LatchkeyError(
      'certificate_wrong_type',
      `${JSON.stringify(certType.slice(0, 64))} is not an OpenSSH certificate type`,
    );
  }
  const nonce = reader.string('nonce');
  const subjectKey = readPublicKeyFields(reader, info, 'certificate subject key');
  const serial = reader.uint64('serial');
  const typeCode = reader.uint32('certificate type code');
  if (typeCode !== CERT_TYPE_USER && typeCode !== CERT_TYPE_HOST) {
    throw new LatchkeyError(
      'certificate_wrong_type',
      `certificate type ${typeCode} is neither user (1) nor host (2)`,
    );
  }
  const keyId = reader.text('key id');
  const principals = readTextList(reader.string('principals'), 'certificate principals', 'principal');
  if (principals.length > MAX_PRINCIPALS) {
    throw new LatchkeyError(
      'certificate_length_out_of_range',
      `certificate lists ${principals.length} principals; OpenSSH allows at most ${MAX_PRINCIPALS}`,
    );
  }
  const validAfterSeconds = reader.uint64('valid after');
  const validBeforeSeconds = reader.uint64('valid before');
  const criticalOptions = decodeCertificateOptions(reader.string('critical options'), 'critical options');
  const extensions = decodeCertificateOptions(reader.string('extensions'), 'extensions');
  reader.string('reserved');
  const signatureKeyBlob = reader.string('signature key');
  const signatureKey = decodeCaKey(signatureKeyBlob);
  const signedLength = reader.position;
  const signatureBlob = reader.string('signature');
  reader.finish();

  const signatureReader = new SshWireReader(signatureBlob, 'certificate signature');
  const signature = {
    algorithm: signatureReader.text('signature algorithm'),
    bytes: signatureReader.string('signature data'),
  };
  signatureReader.finish();

  const fields: CertificateFields = {
    certType,
    type: typeCode === CERT_TYPE_HOST ? 'host' : 'user',
    nonce: nonce.slice(),
    subjectKey,
    serial,
    keyId,
    principals,
    validAfterSeconds,
    validBeforeSeconds,
    criticalOptions,
    extensions,
    signatureKey,
    signature: { algorithm: signature.algorithm, bytes: signature.bytes.slice() },
    blob: blob.slice(),
    signedLength,
  };
  return new OpenSshCertificate(fields);
}

function decodeCaKey(blob: Uint8Array): SshPublicKey {
  try {
    return decodePublicKeyBlob(blob, 'certificate signature key');
  } catch (error) {
    if (error instanceof LatchkeyError && error.code === 'unsupported_key_type') throw error;
    throw new LatchkeyError(
      'malformed_certificate',
      `the CA key inside the certificate is invalid: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

const EMPTY = new Uint8Array(0);
