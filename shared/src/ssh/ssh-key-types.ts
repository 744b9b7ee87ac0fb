/**
 * The key types Latchkey reads and writes, and their names on the wire. One table, so that adding
 * a type (e.g. ECDSA P-384) means adding one row here and its field layout in ssh-public-key.ts.
 */
export type SshKeyAlgorithm = 'ed25519' | 'ecdsa-p256' | 'rsa';

export interface SshKeyTypeInfo {
  readonly algorithm: SshKeyAlgorithm;
  /** The public key type name, e.g. `ssh-ed25519`. */
  readonly sshType: string;
  /** The matching certificate type name, e.g. `ssh-ed25519-cert-v01@openssh.com`. */
  readonly certType: string;
}

export const SSH_KEY_TYPES: readonly SshKeyTypeInfo[] = [
  { algorithm: 'ed25519', sshType: 'ssh-ed25519', certType: 'ssh-ed25519-cert-v01@openssh.com' },
  {
    algorithm: 'ecdsa-p256',
    sshType: 'ecdsa-sha2-nistp256',
    certType: 'ecdsa-sha2-nistp256-cert-v01@openssh.com',
  },
  { algorithm: 'rsa', sshType: 'ssh-rsa', certType: 'ssh-rsa-cert-v01@openssh.com' },
];

export function keyTypeByAlgorithm(algorithm: SshKeyAlgorithm): SshKeyTypeInfo {
  const info = SSH_KEY_TYPES.find((t) => t.algorithm === algorithm);
  if (info === undefined) throw new TypeError(`unknown key algorithm ${String(algorithm)}`);
  return info;
}

export function keyTypeBySshType(sshType: string): SshKeyTypeInfo | undefined {
  return SSH_KEY_TYPES.find((t) => t.sshType === sshType);
}

export function keyTypeByCertType(certType: string): SshKeyTypeInfo | undefined {
  return SSH_KEY_TYPES.find((t) => t.certType === certType);
}

/** Key types OpenSSH knows that Latchkey does not handle: named in errors so the message is useful. */
export const KNOWN_UNSUPPORTED_SSH_TYPES = [
  'ssh-dss',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
  'ssh-ed448',
];

/** RSA moduli OpenSSH accepts (SSH_RSA_MINIMUM_MODULUS_SIZE .. SSHBUF_MAX_BIGNUM). */
export const RSA_MIN_BITS = 1024;
export const RSA_MAX_BITS = 16384;
