/**
 * `allow_email_alias` never maps to root or a system account (issue 13: `root@corp.test` got a `root`
 * certificate): the alias (the email's local part) is granted only when it is not root, not a system
 * account of the target, and not a well-known system account name of any distribution, unless a matching
 * policy names that username explicitly in `usernames` (then it is granted as any listed name is).
 *
 * A system account is one whose uid is below the target's UID_MIN (login.defs; 1000 when unknown). The
 * server knows uids only through the target's agent, which reports `uid_min` and the names below it
 * (`system_users`) in its heartbeat; without that report the well-known names below stand in. Pure.
 */

/** The default UID_MIN of login.defs on current distributions. */
export const DEFAULT_UID_MIN = 1000;

/** What the target's agent reported about its accounts (undefined fields: not reported). */
export interface TargetAccounts {
  uidMin?: number;
  /** The usernames with a uid below uidMin. */
  systemUsers?: readonly string[];
}

/**
 * Accounts below UID_MIN on common distributions (Debian/Ubuntu base-passwd, RHEL/Fedora setup, Alpine,
 * Arch, SUSE) and of common services. Never an alias, whatever the target reports.
 */
export const WELL_KNOWN_SYSTEM_USERS: ReadonlySet<string> = new Set([
  'root', 'daemon', 'bin', 'sys', 'sync', 'games', 'man', 'lp', 'mail', 'news', 'uucp', 'proxy',
  'www-data', 'backup', 'list', 'irc', 'gnats', 'nobody', 'nogroup', 'adm', 'shutdown', 'halt',
  'operator', 'ftp', 'tss', 'sshd', 'messagebus', 'dbus', 'polkitd', 'chrony', 'ntp', 'postfix',
  'rpc', 'rpcuser', 'nfsnobody', 'avahi', 'colord', 'geoclue', 'pulse', 'rtkit', 'saned', 'usbmux',
  'syslog', 'uuidd', 'tcpdump', 'landscape', 'pollinate', 'lxd', 'dnsmasq', 'tftp', 'apache', 'nginx',
  'mysql', 'postgres', 'redis', 'memcached', 'named', 'bind', 'squid', 'git', 'docker', 'systemd-network',
  'systemd-resolve', 'systemd-timesync', 'systemd-coredump', 'systemd-journal-remote', 'systemd-oom',
  '_apt', 'cron', 'at', 'smmsp', 'vcsa', 'abrt', 'unbound', 'setroubleshoot', 'cockpit-ws',
  'cockpit-wsinstance', 'clevis', 'sssd', 'saslauth', 'libstoragemgmt', 'gluster', 'qemu', 'libvirt',
  'kvm', 'ceph', 'zabbix', 'prometheus', 'grafana', 'elasticsearch', 'kibana', 'jenkins', 'ubuntu',
  'ec2-user', 'centos', 'fedora', 'admin', 'debian', 'alpine', 'arch', 'cloud-user', 'vagrant',
]); // prettier-ignore

/**
 * Whether the alias may be granted on a target with these accounts, when no matching policy names it.
 * Also refused: the cloud images' default users (`ubuntu`, `ec2-user`, `admin`, …), which hold sudo.
 */
export function aliasAllowed(alias: string, target: TargetAccounts | undefined): boolean {
  const name = alias.toLowerCase();
  if (name === 'root' || WELL_KNOWN_SYSTEM_USERS.has(name)) return false;
  if (target?.systemUsers?.some((user) => user.toLowerCase() === name)) return false;
  return true;
}
