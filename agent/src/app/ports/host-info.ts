/** Facts about this host the agent reports and registers (adapters/os/node-host-info.ts). */
import type { InterfaceAddress } from '../../domain/agent/pick-addresses.js';

export interface HostInfo {
  /** The host's name as the OS has it (not yet normalised). */
  hostname(): Promise<string>;
  /** /etc/machine-id (32 hex digits), when the host has one. */
  machineId(): Promise<string | undefined>;
  interfaceAddresses(): Promise<InterfaceAddress[]>;
  /** e.g. "Debian GNU/Linux 12 (bookworm)". */
  distro(): Promise<string>;
  /** e.g. "OpenSSH_9.2p1", when sshd says. */
  sshdVersion(): Promise<string | undefined>;
  /** UID_MIN and the system accounts' names (domain/agent/system-accounts.ts); undefined when unreadable. */
  systemAccounts(): Promise<{ uidMin: number; systemUsers: string[] } | undefined>;
}
