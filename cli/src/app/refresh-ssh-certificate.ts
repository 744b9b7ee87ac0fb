import { LatchkeyError, parseCertificate, parseSshPrivateKey, unixUsernameProblem } from '@latchkey/shared';
import type { SshPrivateKey } from '@latchkey/shared';
import { hostnameProblem } from '@latchkey/shared';
import { issuedHostKey } from '../domain/host-key-check.js';
import { knownHostsPath, sshKeyPaths } from '../domain/ssh-key-paths.js';
import { obtainCertificate } from './obtain-certificate.js';
import { pinServerHostKeys } from './pin-server-host-keys.js';
import type { Notify } from './ports/environment.js';
import type { SshKeyFiles, TextFiles } from './ports/files.js';
import type { SessionDeps } from './signed-in-session.js';

export interface RefreshSshCertificateDeps extends SessionDeps {
  keyFiles: SshKeyFiles;
  generateKey: () => SshPrivateKey;
  /** Latchkey's known_hosts, where a fronted target's host key is pinned. */
  files: TextFiles;
  notify: Notify;
}

/**
 * The `ssh-cert` helper that the generated ssh_config runs before each connection (see
 * domain/render-ssh-config.ts for why): writes a fresh certificate for (target, user) into the files the
 * Host entry names. The key pair is kept while its last certificate is still valid, so that concurrent
 * connections which already read the previous certificate still sign with the matching key; each
 * certificate replaces the last atomically. A new key pair is made only when no valid certificate for
 * the current one exists. All of it runs under a per-(target, user) lock.
 *
 * For a fronted target, the host key the certificate answer gives is pinned in Latchkey's known_hosts
 * before ssh gets to check it (ssh runs this helper while it reads its configuration), so a Host entry
 * that checks strictly always finds the server's current key. `port` (ssh's `%p`, absent from files
 * written by older versions) is compared with the certificate's: another port means the ssh_config is
 * out of date, which the person is told.
 */
export async function refreshSshCertificate(
  deps: RefreshSshCertificateDeps,
  request: { configDir: string; hostname: string; username: string; port?: string },
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
    const serverKey = issuedHostKey(obtained.issued.target, obtained.target);
    if (serverKey !== undefined) {
      await pinServerHostKeys(deps.files, knownHostsPath(request.configDir), [
        serverKey.hostCa === undefined
          ? { hostname: request.hostname, hostKey: serverKey.hostKey }
          : { hostname: request.hostname, hostCa: serverKey.hostCa },
      ]);
    }
    const issuedPort = obtained.issued.target.port;
    if (request.port !== undefined && request.port !== String(issuedPort)) {
      deps.notify(
        `latchkey: ssh is going to port ${request.port} of ${request.hostname}, but the access server says ${issuedPort}; ` +
          'if you did not choose that port, run `latchkey ssh-config --write` to update the ssh config.',
      );
    }
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
    const stillValid = certificate.validBefore.getTime() > deps.clock.now();
    return stillValid && certificate.subjectKey.equals(key.publicKey) ? key : undefined;
  } catch {
    return undefined; // damaged files: start over with a new key pair
  }
}
