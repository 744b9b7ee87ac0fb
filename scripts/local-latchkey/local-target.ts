/**
 * The local target: a private sshd of its own on a loopback address (its config, host key and pid file in
 * the data directory; the machine's own sshd and /etc/ssh are never touched), and the demo UNIX user the
 * demo person logs in as. The sshd config starts without any Latchkey line: the agent adds the trust in its
 * host-local CA, as it would on any server, and its SSH front is then the only way in.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { LocalLatchkeySettings, LocalPaths } from './settings.js';

const run = promisify(execFile);

/** `useradd -m` once; an unlocked account without a password (`usermod -p '*'`), so only keys log in. */
export async function ensureDemoUnixUser(name: string): Promise<void> {
  try {
    await run('id', ['-u', name]);
  } catch {
    await run('useradd', ['-m', '-U', '-s', '/bin/bash', '-c', 'Latchkey demo', name]);
  }
  await run('usermod', ['-p', '*', name]);
}

/** Writes a fresh config (each start: the agent's trust is applied again) and the host key (kept). */
export async function prepareSshd(settings: LocalLatchkeySettings, paths: LocalPaths): Promise<void> {
  await mkdir(paths.targetDir, { recursive: true, mode: 0o700 });
  // sshd's privilege separation directory, which a machine whose own sshd never ran may lack.
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  if (!existsSync(paths.sshdHostKey)) {
    await run('ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      '',
      '-C',
      'latchkey local target',
      '-f',
      paths.sshdHostKey,
    ]);
  }
  await rm(paths.caPath, { force: true });
  const sftpServer = ['/usr/lib/openssh/sftp-server', '/usr/libexec/openssh/sftp-server'].find((path) =>
    existsSync(path),
  );
  const lines = [
    '# The local target of scripts/up.sh: a private sshd on a loopback address.',
    `ListenAddress ${settings.targetListen.host}:${settings.targetListen.port}`,
    `HostKey ${paths.sshdHostKey}`,
    `PidFile ${paths.sshdPidFile}`,
    'PubkeyAuthentication yes',
    'AuthorizedKeysFile none',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin no',
    'UsePAM no',
    'LogLevel VERBOSE',
    ...(sftpServer === undefined ? [] : [`Subsystem sftp ${sftpServer}`]),
    '',
  ];
  await writeFile(paths.sshdConfig, lines.join('\n'), { mode: 0o600 });
  await run('/usr/sbin/sshd', ['-t', '-f', paths.sshdConfig]);
}

/** Arguments for `/usr/sbin/sshd`: in the foreground, logging to stderr (the children's log file). */
export function sshdArguments(paths: LocalPaths): string[] {
  return ['-D', '-e', '-f', paths.sshdConfig];
}

/** True once sshd's effective config trusts the CA file (the agent has done its work). */
export async function sshdTrustsCa(paths: LocalPaths): Promise<boolean> {
  try {
    const { stdout } = await run('/usr/sbin/sshd', ['-T', '-f', paths.sshdConfig, '-C', 'user=nobody']);
    return (
      stdout.split('\n').some((line) => line === `trustedusercakeys ${paths.caPath}`) &&
      existsSync(paths.caPath)
    );
  } catch {
    return false;
  }
}
