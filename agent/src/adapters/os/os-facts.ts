import { LatchkeyError } from '@latchkey/shared/errors/latchkey-error';
import type { CommandRunner } from '../../app/ports/command-runner.js';
import type { FileSystem } from '../../app/ports/file-system.js';
import type { InitSystem, OsFacts } from '../../domain/sshd/distro.js';
import { readOsInfo } from './os-info.js';
import { parseOsRelease } from './os-release.js';

const OS_RELEASE_PATHS = ['/etc/os-release', '/usr/lib/os-release'];
const SSHD_PATHS = ['/usr/sbin/sshd', '/usr/bin/sshd', '/usr/local/sbin/sshd'];
const SSH_UNITS = ['ssh.service', 'ssh.socket', 'sshd.service', 'sshd.socket'];
/** sshd's init script under SysV init and OpenRC: Debian's `ssh`, everyone else's `sshd`. */
const SSH_INIT_SCRIPTS = ['ssh', 'sshd'];

/**
 * Reads the facts that decide how sshd is managed here. systeminformation gives the platform and the
 * release (in a short-lived child process, os-info.ts); it has no os-release ID or ID_LIKE, so those come from
 * os-release itself. The init system is PID 1's name (/proc/1/comm); systemd is asked which ssh units exist and whether ssh.socket is enabled;
 * without systemd, /etc/init.d says which of sshd's init scripts exist.
 */
export async function readOsFacts(files: FileSystem, commands: CommandRunner): Promise<OsFacts> {
  const os = await readOsInfo();
  if (os.platform !== 'linux') {
    throw new LatchkeyError(
      'unavailable',
      `latchkey-agent manages sshd on Linux only; this is ${os.platform}`,
    );
  }
  const release = await readOsReleaseFile(files);
  const id = (release.get('ID') ?? os.logofile ?? '').toLowerCase() || 'linux';
  const idLike = (release.get('ID_LIKE') ?? '').split(/\s+/).filter((part) => part !== '');
  const versionId =
    release.get('VERSION_ID') ?? (os.release === '' || os.release === 'unknown' ? undefined : os.release);
  const initSystem = await readInitSystem(files);
  const sshdPath = await firstExisting(files, SSHD_PATHS);

  let units: string[] | undefined;
  let initScripts: string[] | undefined;
  let sshSocketEnabled: boolean | undefined;
  if (initSystem === 'sysvinit' || initSystem === 'openrc') {
    initScripts = [];
    for (const name of SSH_INIT_SCRIPTS)
      if (await files.exists(`/etc/init.d/${name}`)) initScripts.push(name);
  }
  if (initSystem === 'systemd') {
    const listed = await commands.run([
      'systemctl',
      'list-unit-files',
      '--no-legend',
      '--no-pager',
      ...SSH_UNITS,
    ]);
    if (listed.code === 0) {
      units = listed.stdout
        .split('\n')
        .map((line) => line.trim().split(/\s+/)[0] ?? '')
        .filter((unit) => SSH_UNITS.includes(unit));
      if (units.includes('ssh.socket')) {
        const enabled = await commands.run(['systemctl', 'is-enabled', 'ssh.socket']);
        sshSocketEnabled = enabled.stdout.trim() === 'enabled';
      }
    }
  }
  return {
    id,
    ...(idLike.length > 0 ? { idLike } : {}),
    ...(versionId === undefined ? {} : { versionId }),
    initSystem,
    ...(units === undefined ? {} : { units }),
    ...(initScripts === undefined ? {} : { initScripts }),
    ...(sshSocketEnabled === undefined ? {} : { sshSocketEnabled }),
    ...(sshdPath === undefined ? {} : { sshdPath }),
  };
}

/** `OpenSSH_9.2p1` from `sshd -V` (9.x prints it on stderr) or else `ssh -V`; undefined when neither says. */
export async function readSshdVersion(
  commands: CommandRunner,
  sshdPath = '/usr/sbin/sshd',
): Promise<string | undefined> {
  for (const argv of [
    [sshdPath, '-V'],
    ['ssh', '-V'],
  ]) {
    const result = await commands.run(argv);
    const version = /OpenSSH_[0-9][0-9A-Za-z.]*/.exec(result.stderr + result.stdout);
    if (version) return version[0];
  }
  return undefined;
}

/** systemd, OpenRC (its /run/openrc or openrc binary beside an `init` PID 1), SysV init, or none (a container's own PID 1). */
export async function readInitSystem(files: FileSystem): Promise<InitSystem> {
  const comm = new TextDecoder().decode((await files.read('/proc/1/comm')) ?? new Uint8Array()).trim();
  if (comm === 'systemd') return 'systemd';
  if (comm === 'openrc-init') return 'openrc';
  if (comm === 'init') {
    return (await firstExisting(files, ['/run/openrc', '/sbin/openrc'])) === undefined
      ? 'sysvinit'
      : 'openrc';
  }
  return 'none';
}

/** os-release(5): /etc/os-release, else /usr/lib/os-release. */
async function readOsReleaseFile(files: FileSystem): Promise<Map<string, string>> {
  for (const path of OS_RELEASE_PATHS) {
    const bytes = await files.read(path);
    if (bytes !== undefined) return parseOsRelease(new TextDecoder().decode(bytes));
  }
  return new Map();
}

async function firstExisting(files: FileSystem, paths: readonly string[]): Promise<string | undefined> {
  for (const path of paths) if (await files.exists(path)) return path;
  return undefined;
}
