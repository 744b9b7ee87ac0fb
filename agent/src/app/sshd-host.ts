import type { OsFacts } from '../domain/sshd/distro.js';
import type { Clock } from './ports/clock.js';
import type { CommandRunner } from './ports/command-runner.js';
import type { FileSystem } from './ports/file-system.js';
import type { ProcessSignaller } from './ports/process-signaller.js';
import type { SshdProber } from './ports/sshd-prober.js';

/** The I/O the sshd use-cases run on: real adapters in the agent, in-memory ones in unit tests. */
export interface SshdHost {
  readonly files: FileSystem;
  readonly commands: CommandRunner;
  readonly prober: SshdProber;
  readonly signals: ProcessSignaller;
  readonly clock: Clock;
}

/** Where sshd's files and the agent's state are; every field has the stock default. */
export interface SshdPaths {
  /** The file sshd reads (`sshd -f`): default /etc/ssh/sshd_config. */
  readonly mainPath?: string;
  /** Where relative Include paths point: default /etc/ssh. */
  readonly sshDir?: string;
  /** Default /etc/ssh/ca.pub. */
  readonly caPath?: string;
  /** Default `<sshDir>/sshd_config.d`. */
  readonly dropInDir?: string;
  readonly dropInName?: string;
  /** Backups and candidates: default /var/lib/latchkey-agent. */
  readonly stateDir?: string;
  /**
   * sshd's PidFile, for hosts without a service manager (the reload is a SIGHUP to it). Default: the
   * `pidfile` line of `sshd -T`.
   */
  readonly pidFile?: string;
}

/** How long to wait for sshd; defaults suit a real host. */
export interface SshdTimings {
  /** Total time sshd gets to answer on every endpoint after a reload or restart. Default 10 s. */
  readonly probeTimeoutMs?: number;
  /** One TCP connect and banner read. Default 2 s. */
  readonly probeAttemptTimeoutMs?: number;
  /** Pause between probe attempts. Default 100 ms. */
  readonly probeIntervalMs?: number;
  /** Pause after a SIGHUP before the first probe (sshd closes its sockets and re-executes). Default 200 ms. */
  readonly signalSettleMs?: number;
  /** After a reload when sshd's pid file cannot be watched: a pause before the probe. Default 1 s. */
  readonly reloadSettleMs?: number;
  /** sshd -t, sshd -T, systemctl …. Default 30 s. */
  readonly commandTimeoutMs?: number;
}

export interface SshdChangeContext {
  readonly host: SshdHost;
  readonly facts: OsFacts;
  readonly paths?: SshdPaths;
  readonly timings?: SshdTimings;
}

export const DEFAULT_MAIN_PATH = '/etc/ssh/sshd_config';
