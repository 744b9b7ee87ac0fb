/**
 * Keys and certificates on disk for the certificate suites: CA and subject keys, certificates issued by
 * Latchkey's codec, and the tampering the suites need. Files live in one temp dir per describe block.
 */
import {
  generateKeyWithSshKeygen,
  runCommandOrThrow,
  signWithSshKeygen,
  writePrivateFile,
} from '../../harness/index.js';
import type { SshKeygenKeyType, TempDir } from '../../harness/index.js';

export type KeyAlgorithm = SshKeygenKeyType;

export interface KeyOnDisk {
  readonly algorithm: KeyAlgorithm;
  readonly privateKeyPath: string;
  readonly publicKeyPath: string;
  /** `type base64`, no comment. */
  readonly publicKey: string;
  /** `SHA256:…`, as sshd logs it. */
  readonly fingerprint: string;
}

export interface CertificateRequest {
  keyId: string;
  principals: readonly string[];
  type?: 'user' | 'host';
  serial?: bigint;
  /** Seconds since the epoch. Default: a minute ago. */
  validAfter?: number;
  /** Seconds since the epoch. Default: five minutes ahead. */
  validBefore?: number;
  criticalOptions?: Readonly<Record<string, string>>;
  /** Default: the usual permit-* set, as ssh-keygen grants. */
  extensions?: readonly string[];
}

export interface IssuedCertificate {
  /** The certificate line, `ssh-ed25519-cert-v01@openssh.com AAAA…`. */
  readonly certificate: string;
  readonly certificatePath: string;
  readonly keyId: string;
  readonly serial: bigint;
}

export const DEFAULT_EXTENSIONS = [
  'permit-X11-forwarding',
  'permit-agent-forwarding',
  'permit-port-forwarding',
  'permit-pty',
  'permit-user-rc',
] as const;

let fileCounter = 0;

/** A fresh key pair in `dir`, private key 0600 as ssh requires. */
export async function createKey(dir: TempDir, algorithm: KeyAlgorithm, name = 'key'): Promise<KeyOnDisk> {
  const privateKeyPath = dir.file(`${name}-${algorithm}-${++fileCounter}`);
  const files = await generateKeyWithSshKeygen(privateKeyPath, algorithm);
  const publicKey = files.publicKey.split(/\s+/).slice(0, 2).join(' ');
  return {
    algorithm,
    privateKeyPath,
    publicKeyPath: files.publicKeyPath,
    publicKey,
    fingerprint: await fingerprintOf(files.publicKeyPath),
  };
}

/** Issues a certificate for `subject`, signed by `ca`, written next to the subject key. */
export async function issueCertificate(
  ca: KeyOnDisk,
  subject: KeyOnDisk,
  request: CertificateRequest,
): Promise<IssuedCertificate> {
  const now = Math.floor(Date.now() / 1000);
  const serial = request.serial ?? BigInt(++fileCounter);
  const validAfter = request.validAfter ?? now - 60;
  const validBefore = request.validBefore ?? now + 300;
  const options = [
    'clear',
    ...(request.extensions ?? DEFAULT_EXTENSIONS),
    ...Object.entries(request.criticalOptions ?? {}).map(([name, value]) =>
      name === 'force-command' || name === 'source-address' || name === 'verify-required'
        ? `${name}=${value}`
        : `critical:${name}=${value}`,
    ),
  ];
  const { certificatePath, certificate } = await signWithSshKeygen({
    caPrivateKeyPath: ca.privateKeyPath,
    publicKeyPath: subject.publicKeyPath,
    keyId: request.keyId,
    principals: request.principals,
    validity: `0x${validAfter.toString(16)}:0x${validBefore.toString(16)}`,
    serial,
    host: request.type === 'host',
    options,
  });
  return {
    certificate: certificate.split(/\s+/).slice(0, 2).join(' '),
    certificatePath,
    keyId: request.keyId,
    serial,
  };
}

/** The certificate line with one bit flipped inside the CA's signature (the last field of the blob). */
export function tamperSignature(certificate: string): string {
  const [type, base64] = certificate.split(/\s+/);
  const blob = Buffer.from(base64 ?? '', 'base64');
  blob[blob.length - 8]! ^= 0x01;
  return `${type} ${blob.toString('base64')}`;
}

/** Writes a certificate line to a file (for ssh's CertificateFile or sshd's files). */
export async function writeCertificateFile(path: string, certificate: string): Promise<string> {
  return writePrivateFile(path, `${certificate}\n`);
}

async function fingerprintOf(publicKeyPath: string): Promise<string> {
  const { stdout } = await runCommandOrThrow('ssh-keygen', ['-l', '-E', 'sha256', '-f', publicKeyPath]);
  return stdout.split(/\s+/)[1] ?? '';
}
