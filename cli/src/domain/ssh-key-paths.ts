/**
 * Where the `ssh-config` entries keep the key pair and certificate of one (target, user): under the
 * config dir, one directory per target hostname and UNIX user. The ssh_config text names the same
 * files with ssh's `%r` token, so both sides must build them here.
 */
export interface SshKeyPaths {
  dir: string;
  privateKey: string;
  certificate: string;
}

export const KEY_FILE_NAME = 'id_ed25519';
export const CERTIFICATE_FILE_NAME = 'id_ed25519-cert.pub';

export function sshKeysDir(configDir: string): string {
  return `${configDir}/ssh`;
}

export function sshKeyPaths(configDir: string, hostname: string, username: string): SshKeyPaths {
  const dir = `${sshKeysDir(configDir)}/${hostname.toLowerCase()}/${username}`;
  return { dir, privateKey: `${dir}/${KEY_FILE_NAME}`, certificate: `${dir}/${CERTIFICATE_FILE_NAME}` };
}

export function knownHostsPath(configDir: string): string {
  return `${configDir}/known_hosts`;
}

export function credentialsPath(configDir: string): string {
  return `${configDir}/credentials.json`;
}

export function generatedSshConfigPath(configDir: string): string {
  return `${configDir}/ssh_config`;
}
