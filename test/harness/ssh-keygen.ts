/**
 * OpenSSH's ssh-keygen as the reference implementation the tests compare Latchkey against: make keys,
 * issue certificates (`-s`), print them (`-L`, which also checks the CA signature) and make KRLs (`-k`).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { runCommandOrThrow } from './run-command.js';

export type SshKeygenKeyType = 'ed25519' | 'ecdsa-p256' | 'rsa';

export interface KeyFiles {
  /** The private key file (OpenSSH format, mode 0600). */
  privateKeyPath: string;
  /** `<privateKeyPath>.pub`. */
  publicKeyPath: string;
  /** The public key line, `ssh-ed25519 AAAA… comment`. */
  publicKey: string;
}

/** `ssh-keygen -t TYPE -N '' -f PATH`: a new key pair without a passphrase. */
export async function generateKeyWithSshKeygen(
  privateKeyPath: string,
  type: SshKeygenKeyType = 'ed25519',
  comment = '',
): Promise<KeyFiles> {
  const typeArgs =
    type === 'ecdsa-p256'
      ? ['-t', 'ecdsa', '-b', '256']
      : type === 'rsa'
        ? ['-t', 'rsa', '-b', '3072']
        : ['-t', type];
  await runCommandOrThrow('ssh-keygen', ['-q', ...typeArgs, '-N', '', '-C', comment, '-f', privateKeyPath]);
  const publicKeyPath = `${privateKeyPath}.pub`;
  return { privateKeyPath, publicKeyPath, publicKey: (await readFile(publicKeyPath, 'utf8')).trim() };
}

export interface SshKeygenCertificateRequest {
  /** The CA's private key file. */
  caPrivateKeyPath: string;
  /** The subject's public key file; the certificate is written next to it as `<name>-cert.pub`. */
  publicKeyPath: string;
  keyId: string;
  /** Principals; an empty list issues a certificate without principals. */
  principals: readonly string[];
  /** ssh-keygen's -V validity interval, e.g. '-1m:+5m' or '20200101:20200102'. Default: forever. */
  validity?: string;
  serial?: number | bigint;
  /** A host certificate (-h) instead of a user certificate. */
  host?: boolean;
  /** ssh-keygen -O options: 'clear', 'permit-pty', 'force-command=…', 'source-address=…', 'critical:…'. */
  options?: readonly string[];
}

/** `ssh-keygen -s CA -I ID -n P1,P2 …`; returns the certificate file path and its one-line text. */
export async function signWithSshKeygen(
  request: SshKeygenCertificateRequest,
): Promise<{ certificatePath: string; certificate: string }> {
  const args = ['-q', '-s', request.caPrivateKeyPath, '-I', request.keyId];
  if (request.principals.length > 0) args.push('-n', request.principals.join(','));
  if (request.validity !== undefined) args.push('-V', request.validity);
  if (request.serial !== undefined) args.push('-z', String(request.serial));
  if (request.host) args.push('-h');
  for (const option of request.options ?? []) args.push('-O', option);
  args.push(request.publicKeyPath);
  await runCommandOrThrow('ssh-keygen', args);
  const certificatePath = request.publicKeyPath.replace(/\.pub$/, '') + '-cert.pub';
  return { certificatePath, certificate: (await readFile(certificatePath, 'utf8')).trim() };
}

/** `ssh-keygen -L -f FILE`: the certificate as OpenSSH prints it (fails if the signature is bad). */
export async function listCertificateWithSshKeygen(certificatePath: string): Promise<string> {
  return (await runCommandOrThrow('ssh-keygen', ['-L', '-f', certificatePath])).stdout;
}

/**
 * `ssh-keygen -k -f KRL [-s CA.pub] -z …`: a key revocation list for sshd's RevokedKeys, revoking the given
 * serials of certificates from that CA and/or the given key or certificate files.
 */
export async function makeKrlWithSshKeygen(
  krlPath: string,
  revoke: { caPublicKeyPath?: string; serials?: readonly (number | bigint)[]; keyFiles?: readonly string[] },
): Promise<string> {
  const args = ['-q', '-k', '-f', krlPath];
  if (revoke.caPublicKeyPath !== undefined) args.push('-s', revoke.caPublicKeyPath);
  const specs: string[] = [...(revoke.keyFiles ?? [])];
  if ((revoke.serials ?? []).length > 0) {
    // Serials go through a spec file ("serial: N" lines), the form ssh-keygen documents for -k with -s.
    const specPath = `${krlPath}.spec`;
    await writeFile(specPath, (revoke.serials ?? []).map((serial) => `serial: ${serial}\n`).join(''));
    specs.push(specPath);
  }
  await runCommandOrThrow('ssh-keygen', [...args, ...specs]);
  return krlPath;
}
