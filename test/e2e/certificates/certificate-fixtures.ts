/**
 * Keys and certificates on disk for the certificate suites, all made by Latchkey's own code
 * (`generateSshKeyPair`, `issueCertificate` from @latchkey/shared), so that what sshd judges is exactly what
 * Latchkey issues. Files live in the describe block's temp dir; private keys are written 0600.
 */
import { writeFile } from 'node:fs/promises';
import { generateSshKeyPair, issueCertificate, parseCertificate } from '@latchkey/shared';
import type { CertificateRequest, SshCertificate, SshKeyAlgorithm, SshPrivateKey } from '@latchkey/shared';
import { writePrivateFile } from '../../harness/index.js';
import type { TempDir } from '../../harness/index.js';

export interface KeyOnDisk {
  readonly key: SshPrivateKey;
  /** The private key in OpenSSH format (for `ssh -i`). */
  readonly privateKeyPath: string;
  /** `<privateKeyPath>.pub` (for sshd's TrustedUserCAKeys or `ssh-keygen -k -s`). */
  readonly publicKeyPath: string;
  /** `type base64`, no comment. */
  readonly publicKey: string;
  /** `SHA256:…`, as sshd logs it. */
  readonly fingerprint: string;
}

export interface CertificateOnDisk {
  readonly certificate: SshCertificate;
  /** The `*-cert.pub` line, `ssh-ed25519-cert-v01@openssh.com AAAA…`. */
  readonly line: string;
  /** `<subject privateKeyPath>-cert.pub` (for ssh's CertificateFile). */
  readonly certificatePath: string;
  readonly keyId: string;
  readonly serial: bigint;
}

let fileCounter = 0;

/** A fresh key pair made by Latchkey, written to `dir`. */
export async function createKey(dir: TempDir, algorithm: SshKeyAlgorithm, name = 'key'): Promise<KeyOnDisk> {
  const key = generateSshKeyPair(algorithm);
  const privateKeyPath = dir.file(`${name}-${algorithm}-${++fileCounter}`);
  await writePrivateFile(privateKeyPath, key.toOpenSSH());
  const publicKey = key.publicKey.toAuthorizedKey();
  await writeFile(`${privateKeyPath}.pub`, `${publicKey}\n`);
  return {
    key,
    privateKeyPath,
    publicKeyPath: `${privateKeyPath}.pub`,
    publicKey,
    fingerprint: key.publicKey.fingerprint(),
  };
}

/** Issues a certificate for `subject` with Latchkey's issueCertificate, signed by `ca`, written next to the key. */
export async function issueCertificateFile(
  ca: KeyOnDisk,
  subject: KeyOnDisk,
  request: Omit<CertificateRequest, 'subjectKey'>,
): Promise<CertificateOnDisk> {
  const certificate = issueCertificate(ca.key, { ...request, subjectKey: subject.key.publicKey });
  const line = certificate.toAuthorizedKey();
  const certificatePath = `${subject.privateKeyPath}-cert.pub`;
  await writeFile(certificatePath, `${line}\n`);
  return { certificate, line, certificatePath, keyId: certificate.keyId, serial: certificate.serial };
}

/** The certificate line with one bit flipped inside the CA's signature (the last field of the blob). */
export function tamperSignature(line: string): string {
  const [type, base64] = line.split(/\s+/);
  const blob = Buffer.from(base64 ?? '', 'base64');
  blob[blob.length - 8]! ^= 0x01;
  return `${type} ${blob.toString('base64')}`;
}

/** Reads a certificate line back with Latchkey's parser (what the verifier sees is what sshd got). */
export function reparse(line: string): SshCertificate {
  return parseCertificate(line);
}

/** Seconds → Date, for validity windows written relative to now. */
export function secondsFromNow(seconds: number): Date {
  return new Date(Date.now() + seconds * 1000);
}
