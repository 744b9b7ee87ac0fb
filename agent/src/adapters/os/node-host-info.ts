/**
 * HostInfo from the OS: the hostname and interfaces from node:os, the machine id from /etc/machine-id,
 * the distro from systeminformation (in a short-lived child process, os-info.ts), the sshd version from
 * `sshd -V`, the system accounts from /etc/login.defs and /etc/passwd. Distro and sshd version are read once (they change only with a reinstall or an upgrade, and
 * the agent restarts then).
 */
import { hostname, networkInterfaces } from 'node:os';
import type { CommandRunner } from '../../app/ports/command-runner.js';
import type { FileSystem } from '../../app/ports/file-system.js';
import type { HostInfo } from '../../app/ports/host-info.js';
import type { InterfaceAddress } from '../../domain/agent/pick-addresses.js';
import { parseUidMin, systemUsersOf } from '../../domain/agent/system-accounts.js';
import { readSshdVersion } from './os-facts.js';
import { readOsInfo } from './os-info.js';

export class NodeHostInfo implements HostInfo {
  private distroText: Promise<string> | undefined;
  private sshd: Promise<string | undefined> | undefined;

  constructor(
    private readonly files: FileSystem,
    private readonly commands: CommandRunner,
    private readonly sshdPath?: string,
  ) {}

  async hostname(): Promise<string> {
    return hostname();
  }

  async machineId(): Promise<string | undefined> {
    for (const path of ['/etc/machine-id', '/var/lib/dbus/machine-id']) {
      const bytes = await this.files.read(path);
      const id = bytes === undefined ? '' : new TextDecoder().decode(bytes).trim().toLowerCase();
      if (/^[0-9a-f]{32}$/.test(id)) return id;
    }
    return undefined;
  }

  async interfaceAddresses(): Promise<InterfaceAddress[]> {
    return Object.entries(networkInterfaces()).flatMap(([name, entries]) =>
      (entries ?? []).map((entry) => ({
        interface: name,
        address: entry.address,
        family: entry.family === 'IPv6' ? ('IPv6' as const) : ('IPv4' as const),
        internal: entry.internal,
      })),
    );
  }

  distro(): Promise<string> {
    this.distroText ??= readOsInfo()
      .then((os) => [os.distro, os.release].filter((part) => part !== '' && part !== 'unknown').join(' '))
      .catch(() => 'unknown');
    return this.distroText;
  }

  sshdVersion(): Promise<string | undefined> {
    this.sshd ??= readSshdVersion(this.commands, this.sshdPath).catch(() => undefined);
    return this.sshd;
  }

  /** Read at each call (each heartbeat): accounts come and go without a restart; both files are small. */
  async systemAccounts(): Promise<{ uidMin: number; systemUsers: string[] } | undefined> {
    const passwd = await this.files.read('/etc/passwd').catch(() => undefined);
    if (passwd === undefined) return undefined;
    const loginDefs = await this.files.read('/etc/login.defs').catch(() => undefined);
    const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
    const uidMin = parseUidMin(loginDefs === undefined ? undefined : text(loginDefs));
    return { uidMin, systemUsers: systemUsersOf(text(passwd), uidMin) };
  }
}
