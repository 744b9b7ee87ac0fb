/**
 * Facts about the host that decide how sshd is managed, as an adapter gathers them (os-release through
 * systeminformation, the init system from /proc/1/comm, the unit names from systemctl). Pure data.
 */
export type InitSystem = 'systemd' | 'openrc' | 'sysvinit' | 'none';

export interface OsFacts {
  /** os-release ID: debian, ubuntu, centos, rhel, rocky, almalinux, fedora, amzn, opensuse-leap, sles, alpine, arch … */
  readonly id: string;
  /** os-release ID_LIKE, split on spaces. */
  readonly idLike?: readonly string[];
  /** os-release VERSION_ID: "12", "22.04", "2", "2023", "3.20.1" … */
  readonly versionId?: string;
  readonly initSystem: InitSystem;
  /** systemd unit files that exist (`ssh.service`, `ssh.socket`, `sshd.service` …). */
  readonly units?: readonly string[];
  /**
   * Without systemd: which of sshd's init scripts exist in /etc/init.d (`ssh` on Debian and Ubuntu,
   * `sshd` on the RHEL family, Alpine and Gentoo), the name `service` and `rc-service` take.
   */
  readonly initScripts?: readonly string[];
  /** Whether ssh.socket is enabled (Ubuntu 22.10+ socket activation). */
  readonly sshSocketEnabled?: boolean;
  /** The sshd binary when found; default /usr/sbin/sshd (Arch's /usr/sbin is a link to /usr/bin). */
  readonly sshdPath?: string;
}

/** Families share the service's name and how it is managed. */
export type DistroFamily = 'debian' | 'rhel' | 'suse' | 'alpine' | 'arch' | 'unknown';

const FAMILY_IDS: readonly [DistroFamily, readonly string[]][] = [
  ['debian', ['debian', 'ubuntu', 'raspbian', 'linuxmint', 'pop', 'elementary', 'kali', 'devuan']],
  ['rhel', ['rhel', 'centos', 'rocky', 'almalinux', 'ol', 'fedora', 'amzn', 'scientific', 'cloudlinux']],
  ['suse', ['opensuse', 'opensuse-leap', 'opensuse-tumbleweed', 'sles', 'sled', 'suse']],
  ['alpine', ['alpine']],
  ['arch', ['arch', 'archarm', 'manjaro', 'endeavouros']],
];

export function distroFamily(facts: Pick<OsFacts, 'id' | 'idLike'>): DistroFamily {
  for (const id of [facts.id, ...(facts.idLike ?? [])].map((value) => value.toLowerCase())) {
    const family = FAMILY_IDS.find(([, ids]) => ids.includes(id));
    if (family !== undefined) return family[0];
  }
  return 'unknown';
}

/** Numeric comparison of dotted versions: `versionAtLeast('22.10', '22.4')` is true. */
export function versionAtLeast(version: string | undefined, minimum: string): boolean {
  if (version === undefined) return false;
  const have = version.split('.').map((part) => Number.parseInt(part, 10));
  const want = minimum.split('.').map((part) => Number.parseInt(part, 10));
  for (let i = 0; i < want.length; i++) {
    const a = Number.isNaN(have[i] ?? 0) ? 0 : (have[i] ?? 0);
    const b = want[i]!;
    if (a !== b) return a > b;
  }
  return true;
}

/**
 * The service's name: Debian and Ubuntu call it `ssh` (with `sshd` only as an alias of the systemd unit),
 * everyone else `sshd`. What the host has wins over the table: its systemd units under systemd, its
 * init scripts under SysV init and OpenRC; the table decides only when both or neither exist.
 */
export function sshServiceName(facts: OsFacts): 'ssh' | 'sshd' {
  const names =
    facts.initSystem === 'systemd'
      ? (facts.units ?? []).filter((unit) => unit.endsWith('.service')).map((unit) => unit.slice(0, -8))
      : facts.initSystem === 'none'
        ? []
        : (facts.initScripts ?? []);
  if (names.includes('ssh') && !names.includes('sshd')) return 'ssh';
  if (names.includes('sshd') && !names.includes('ssh')) return 'sshd';
  return distroFamily(facts) === 'debian' ? 'ssh' : 'sshd';
}

/**
 * Ubuntu 22.10 and later (and hosts where an admin enabled it) start sshd from ssh.socket: systemd listens
 * and starts ssh.service on the first connection.
 */
export function usesSocketActivation(facts: OsFacts): boolean {
  if (facts.initSystem !== 'systemd') return false;
  if (facts.sshSocketEnabled !== undefined) return facts.sshSocketEnabled;
  return facts.id === 'ubuntu' && versionAtLeast(facts.versionId, '22.10');
}
