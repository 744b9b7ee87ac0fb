/**
 * Where the sftp-server binary is. `internal-sftp` lives inside sshd and cannot run under a
 * force-command, so the recorder serves the sftp subsystem with the binary instead. `sshd -T` would name
 * the configured one, but needs root (it reads the host keys), and the recorder runs as the user; the
 * agent may write the path into the recording settings (`sftp_server`), else the distros' known places.
 */
import { access, constants } from 'node:fs/promises';

export const KNOWN_SFTP_SERVER_PATHS = [
  '/usr/lib/openssh/sftp-server', // Debian, Ubuntu
  '/usr/libexec/openssh/sftp-server', // RHEL, Fedora, SUSE
  '/usr/lib/ssh/sftp-server', // Arch, Alpine
  '/usr/libexec/sftp-server', // BSDs, macOS
] as const;

export async function findSftpServer(configured: string | undefined): Promise<string | null> {
  for (const path of configured === undefined
    ? KNOWN_SFTP_SERVER_PATHS
    : [configured, ...KNOWN_SFTP_SERVER_PATHS]) {
    try {
      await access(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return null;
}
