// The OpenSSH key and certificate core: keys in the formats people bring, certificates issued,
// parsed and verified as OpenSSH does. Pure apart from node:crypto.
export type { SshKeyAlgorithm } from './ssh-key-types.js';
export type { SshPublicKey } from './ssh-public-key.js';
export type { SshPrivateKey } from './ssh-private-key.js';
export { generateSshKeyPair } from './ssh-private-key.js';
export { parseSshPublicKey } from './parse-public-key.js';
export { parseSshPrivateKey } from './parse-private-key.js';
export { sha256Fingerprint } from './fingerprint.js';
export { CERTIFICATE_FOREVER_MS } from './certificate.js';
export type { CertificateType, SshCertificate } from './certificate.js';
export type { CertificateOptions } from './certificate-options.js';
export {
  DEFAULT_USER_EXTENSIONS,
  MAX_VALID_FOR_SECONDS,
  issueCertificate,
  type CertificateRequest,
  type IssueEnvironment,
} from './issue-certificate.js';
export { pooledRandomBytes } from './random-pool.js';
export { parseCertificate } from './parse-certificate.js';
export {
  KNOWN_CRITICAL_OPTIONS,
  verifyCertificate,
  verifyCertificateSignature,
  type CertificatePolicy,
  type CertificateRejection,
  type CertificateVerdict,
} from './verify-certificate.js';
export { signSshData, verifySshSignature, type SshSignature } from './ssh-signature.js';
export { SshWireReader, SshWireWriter } from './ssh-wire.js';
export { MAX_FORCE_COMMAND_LENGTH, forceCommandProblem } from './force-command.js';
export { TARGET_BINDING_OPTION } from './target-binding.js';
