import { LatchkeyError, parseCertificate, parseSshPrivateKey, unixUsernameProblem } from '@latchkey/shared';
import type { SshPrivateKey } from '@latchkey/shared';
import { hostnameProblem } from '@latchkey/shared';
import { sshKeyPaths } from '../domain/ssh-key-paths.js';
import { obtainCertificate } from './obtain-certificate.js';
import type { SshKeyFiles } from './ports/files.js';
import type { SessionDeps } from './signed-in-session.js';

export interface RefreshSshCertificateDeps extends SessionDeps {
  keyFiles: SshKeyFiles;
  generateKey: () => SshPrivateKey;
}

/**
 * The `ssh-cert` helper that the generated ssh_config runs before each connection (see
 * domain/render-ssh-config.ts for why): writes a fresh certificate for (target, user) into the files the
 * Host entry names. The key pair is kept while its last certificate is still valid, so that concurrent
 * connections which already read the previous certificate still sign with the matching key; each
 * certificate replaces the last atomically. A new key pair is made only when no valid certificate for
 * the current one exists. All of it runs under a per-(target, user) lock.
 */
export async function refreshSshCertificate(
  deps: RefreshSshCertificateDeps,
  request: { configDir: string; hostname: string; username: string },
): Promise<void> {
  const hostProblem = hostnameProblem(request.hostname);
  if (hostProblem !== undefined) {
    throw new LatchkeyError('invalid_argument', `the target hostname ${hostProblem}`);
  }
  const userProblem = unixUsernameProblem(request.username);
  if (userProblem !== undefined) throw new LatchkeyError('invalid_argument', `the username ${userProblem}`);
  const paths = sshKeyPaths(request.configDir, request.hostname, request.username);
  await deps.keyFiles.exclusive(paths.dir, async () => {
    let key = await reusableKey(deps, paths.privateKey, paths.certificate);
    const fresh = key === undefined;
    key ??= deps.generateKey();
    const obtained = await obtainCertificate(deps, {
      target: request.hostname,
      username: request.username,
      key,
    });
    if (fresh) await deps.keyFiles.write(paths.privateKey, key.toOpenSSH(`latchkey ${request.hostname}`));
    await deps.keyFiles.write(paths.certificate, `${obtained.issued.certificate.trim()}\n`);
  });
}

/** The stored key when its stored certificate is for it and still valid; otherwise undefined. */
async function reusableKey(
  deps: RefreshSshCertificateDeps,
  privateKeyFile: string,
  certificateFile: string,
): Promise<SshPrivateKey | undefined> {
  const [keyText, certificateText] = await Promise.all([
    deps.keyFiles.read(privateKeyFile),
    deps.keyFiles.read(certificateFile),
  ]);
  if (keyText === undefined || certificateText === undefined) return undefined;
  try {
    const key = parseSshPrivateKey(keyText);
    const certificate = parseCertificate(certificateText);
    const stillValid = certificate.validBefore.getTime() > deps.clock.now().getTime();
    return stillValid && certificate.subjectKey.equals(key.publicKey) ? key : undefined;
  } catch {
    return undefined; // damaged files: start over with a new key pair
  }
}
