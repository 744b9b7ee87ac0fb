import {
  distroFamily,
  sshServiceName,
  usesSocketActivation,
  type DistroFamily,
  type OsFacts,
} from './distro.js';

/** One step an executor runs: a command, or a signal to the process whose id is in a pid file. */
export type ServiceStep =
  | { readonly kind: 'run'; readonly argv: readonly string[] }
  | { readonly kind: 'signal'; readonly pidFile: string; readonly signal: 'SIGHUP' };

export interface RestartPlan {
  readonly family: DistroFamily;
  readonly serviceName: string;
  readonly sshdPath: string;
  /** `sshd -t -f FILE`: sshd's own check of a candidate configuration. */
  validate(configPath: string): readonly string[];
  /** `sshd -T -f FILE`: the effective configuration, lower-case `keyword value` lines. */
  effectiveConfig(configPath: string): readonly string[];
  /**
   * Makes the running sshd read the new configuration. A reload (SIGHUP: sshd re-executes itself with
   * the new config) keeps established sessions; it is the first choice wherever the service supports it.
   */
  readonly reload: readonly ServiceStep[];
  /** The fallback when the reload fails or sshd does not answer after it. Empty when nothing can restart sshd. */
  readonly restart: readonly ServiceStep[];
  /**
   * Socket activation only: what a change of Port/ListenAddress needs (systemd's generator turns them into
   * ssh.socket's listeners). Latchkey's edits never change them, so it is never part of `reload`.
   */
  readonly onListenChange: readonly ServiceStep[];
  /** Why this plan was chosen, for logs and the heartbeat. */
  readonly reason: string;
}

const run = (...argv: string[]): ServiceStep => ({ kind: 'run', argv });

/**
 * Chooses how to reload and restart sshd on this host. Cloudflare's guide gives `service ssh restart`
 * (older Debian/Ubuntu), `systemctl restart ssh` (newer), `service sshd restart` (CentOS/RHEL 6) and
 * `systemctl restart sshd` (7+); the init system decides between the two styles, the family the name.
 *
 * `pidFile` is sshd's PidFile (from `sshd -T`), used when no service manager runs sshd (containers, the
 * project's tests): then a SIGHUP is the only way, and there is no restart.
 */
export function restartPlan(facts: OsFacts, pidFile = '/run/sshd.pid'): RestartPlan {
  const family = distroFamily(facts);
  const serviceName = sshServiceName(facts);
  const sshdPath = facts.sshdPath ?? '/usr/sbin/sshd';
  const base = {
    family,
    serviceName,
    sshdPath,
    validate: (configPath: string) => [sshdPath, '-t', '-f', configPath],
    effectiveConfig: (configPath: string) => [sshdPath, '-T', '-f', configPath],
    onListenChange: [] as ServiceStep[],
  };

  switch (facts.initSystem) {
    case 'systemd': {
      if (usesSocketActivation(facts)) {
        // ssh.service runs only once a connection came in (and then keeps listening on the socket it got):
        // reload it if it runs, otherwise the next connection starts it with the new config anyway.
        return {
          ...base,
          serviceName: 'ssh',
          reload: [run('systemctl', 'try-reload-or-restart', 'ssh.service')],
          restart: [
            run('systemctl', 'reset-failed', 'ssh.service'),
            run('systemctl', 'restart', 'ssh.service'),
          ],
          onListenChange: [run('systemctl', 'daemon-reload'), run('systemctl', 'restart', 'ssh.socket')],
          reason: 'systemd with ssh.socket activation: reload ssh.service if it runs',
        };
      }
      return {
        ...base,
        reload: [run('systemctl', 'reload', serviceName)],
        // reset-failed first: failed starts (ours, and Restart=on-failure's) can exhaust the unit's start
        // limit, and then even the rollback's restart on the original files is refused, leaving sshd down
        // (found on a real systemd host by test/e2e/installer).
        restart: [run('systemctl', 'reset-failed', serviceName), run('systemctl', 'restart', serviceName)],
        reason: `systemd (${family}): systemctl reload ${serviceName}, restart as the fallback`,
      };
    }
    case 'openrc':
      return {
        ...base,
        reload: [run('rc-service', serviceName, 'reload')],
        restart: [run('rc-service', serviceName, 'restart')],
        reason: `OpenRC (${family}): rc-service ${serviceName} reload, restart as the fallback`,
      };
    case 'sysvinit':
      return {
        ...base,
        reload: [run('service', serviceName, 'reload')],
        restart: [run('service', serviceName, 'restart')],
        reason: `SysV init (${family}): service ${serviceName} reload, restart as the fallback`,
      };
    case 'none':
      return {
        ...base,
        reload: [{ kind: 'signal', pidFile, signal: 'SIGHUP' }],
        restart: [],
        reason: `no service manager: SIGHUP to the sshd in ${pidFile}`,
      };
  }
}
