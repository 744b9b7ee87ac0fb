import type { ServiceStep } from '../domain/sshd/restart-plan.js';
import type { TcpEndpoint } from '../domain/sshd/sshd-listen-endpoints.js';
import type { CommandResult } from './ports/command-runner.js';
import type { SshdChangeFailure } from './sshd-change-result.js';
import type { SshdHost, SshdTimings } from './sshd-host.js';

export interface ActivationSteps {
  readonly reload: readonly ServiceStep[];
  readonly restart: readonly ServiceStep[];
}

/** Where sshd keeps its pid when no step names the file (OpenSSH's default PidFile on Linux). */
const DEFAULT_PID_FILE = '/run/sshd.pid';

export interface SshdProbeSpec {
  readonly tcp: readonly TcpEndpoint[];
  /** `sshd -T` on the live config, whose lines must include every `expect` line. */
  readonly effectiveConfig?: { readonly argv: readonly string[]; readonly expect: readonly string[] };
}

export type ActivationOutcome =
  | { readonly ok: true; readonly via: 'reload' | 'restart' }
  | { readonly ok: false; readonly failure: SshdChangeFailure };

/**
 * Makes sshd read its files and checks that it still answers: the reload first (it keeps established
 * sessions), then the restart when the reload failed or sshd did not answer after it. The failure reported
 * is the last one seen.
 */
export async function activateSshd(
  host: SshdHost,
  steps: ActivationSteps,
  probe: SshdProbeSpec,
  timings: SshdTimings,
  journal: string[],
): Promise<ActivationOutcome> {
  // A reload (systemctl reload, service … reload, or our own SIGHUP) makes sshd re-execute; the pid file it
  // rewrites then says when it can take the next one (waitForReexec).
  const pidFile =
    steps.reload.find((step): step is Extract<ServiceStep, { kind: 'signal' }> => step.kind === 'signal')
      ?.pidFile ?? DEFAULT_PID_FILE;
  const written = (await host.files.status(pidFile).catch(() => undefined))?.modifiedMs;
  let failure = await runSteps(host, steps.reload, timings, journal);
  if (failure === undefined && written !== undefined) {
    await waitForReexec(host, pidFile, written, timings, journal);
  } else if (failure === undefined) {
    // No pid file to watch (another PidFile, or none): give sshd a moment to re-execute before anything
    // can reload it again. Narrower than the wait above, but it keeps back-to-back repairs apart.
    await host.clock.sleep(timings.reloadSettleMs ?? 1000);
  }
  failure ??= await probeSshd(host, probe, timings, journal);
  if (failure === undefined) return { ok: true, via: 'reload' };
  if (steps.restart.length === 0) return { ok: false, failure };

  journal.push(`reload did not work (${failure.message}); restarting sshd`);
  failure = await runSteps(host, steps.restart, timings, journal);
  failure ??= await probeSshd(host, probe, timings, journal);
  return failure === undefined ? { ok: true, via: 'restart' } : { ok: false, failure };
}

async function runSteps(
  host: SshdHost,
  steps: readonly ServiceStep[],
  timings: SshdTimings,
  journal: string[],
): Promise<SshdChangeFailure | undefined> {
  for (const step of steps) {
    if (step.kind === 'run') {
      const result = await runCommand(host, step.argv, timings, journal);
      if (result.code !== 0) {
        return {
          stage: 'activate',
          message: `${step.argv.join(' ')} failed (${describeExit(result)})`,
          output: commandOutput(result),
        };
      }
      continue;
    }
    const pid = await readPid(host, step.pidFile, timings);
    if (pid === undefined) {
      return {
        stage: 'activate',
        message: `cannot ${step.signal} sshd: its pid file ${step.pidFile} is missing or holds no pid`,
      };
    }
    try {
      await host.signals.send(pid, step.signal);
      journal.push(`sent ${step.signal} to sshd (pid ${pid} from ${step.pidFile})`);
    } catch (error) {
      return {
        stage: 'activate',
        message: `cannot send ${step.signal} to sshd pid ${pid} (from ${step.pidFile}): ${(error as Error).message}`,
      };
    }
    await host.clock.sleep(timings.signalSettleMs ?? 200);
  }
  return undefined;
}

/**
 * The pid in sshd's pid file. sshd rewrites the file as it starts (truncate, then write), so an empty
 * read is tried again for a moment before it counts as "no pid".
 */
async function readPid(host: SshdHost, pidFile: string, timings: SshdTimings): Promise<number | undefined> {
  const deadline = host.clock.now() + 1000;
  for (;;) {
    const text = await host.files.read(pidFile).catch(() => undefined);
    const pid = Number.parseInt(new TextDecoder().decode(text ?? new Uint8Array()).trim(), 10);
    if (Number.isInteger(pid) && pid > 1) return pid;
    if (text === undefined || host.clock.now() >= deadline) return undefined;
    await host.clock.sleep(timings.probeIntervalMs ?? 100);
  }
}

/**
 * Waits until sshd has re-executed after a reload (a SIGHUP, ours or the service manager's): it rewrites
 * its pid file only once its own SIGHUP handler is back. Until then another SIGHUP (the next repair) would kill it, since a signal with no
 * handler ends the process, and systemd does not restart an sshd that SIGHUP ended (a "clean" signal).
 * The banner probe alone cannot tell: under load it may be answered by the old process before it acts on
 * the signal. Bounded by the probe's timeout; past it the probe decides.
 */
async function waitForReexec(
  host: SshdHost,
  pidFile: string,
  writtenBefore: number,
  timings: SshdTimings,
  journal: string[],
): Promise<void> {
  const deadline = host.clock.now() + (timings.probeTimeoutMs ?? 10_000);
  for (;;) {
    const written = (await host.files.status(pidFile).catch(() => undefined))?.modifiedMs;
    if (written !== undefined && written !== writtenBefore) return;
    if (host.clock.now() >= deadline) {
      journal.push(`sshd did not rewrite ${pidFile} after SIGHUP; the probe decides`);
      return;
    }
    await host.clock.sleep(timings.probeIntervalMs ?? 100);
  }
}

/** Every endpoint must send an SSH banner before the deadline; then the effective config must show ours. */
export async function probeSshd(
  host: SshdHost,
  probe: SshdProbeSpec,
  timings: SshdTimings,
  journal: string[],
): Promise<SshdChangeFailure | undefined> {
  const deadline = host.clock.now() + (timings.probeTimeoutMs ?? 10_000);
  for (const endpoint of probe.tcp) {
    const where = endpoint.host.includes(':')
      ? `[${endpoint.host}]:${endpoint.port}`
      : `${endpoint.host}:${endpoint.port}`;
    for (;;) {
      const answer = await host.prober.probe(endpoint, timings.probeAttemptTimeoutMs ?? 2000);
      if (answer.answered) {
        journal.push(`sshd answers on ${where}: ${answer.banner}`);
        break;
      }
      if (host.clock.now() >= deadline) {
        return { stage: 'probe', message: `sshd does not answer on ${where}: ${answer.reason}` };
      }
      await host.clock.sleep(timings.probeIntervalMs ?? 100);
    }
  }
  if (probe.effectiveConfig !== undefined) {
    const { argv, expect } = probe.effectiveConfig;
    const result = await runCommand(host, argv, timings, journal);
    if (result.code !== 0) {
      return {
        stage: 'probe',
        message: `${argv.join(' ')} failed (${describeExit(result)})`,
        output: commandOutput(result),
      };
    }
    const lines = new Set(result.stdout.split('\n').map((line) => line.trim().toLowerCase()));
    const missing = expect.filter((line) => !lines.has(line.toLowerCase()));
    if (missing.length > 0) {
      return {
        stage: 'probe',
        message: `sshd's effective configuration lacks ${missing.map((m) => JSON.stringify(m)).join(', ')}`,
      };
    }
  }
  return undefined;
}

export async function runCommand(
  host: SshdHost,
  argv: readonly string[],
  timings: SshdTimings,
  journal: string[],
): Promise<CommandResult> {
  const result = await host.commands.run(argv, { timeoutMs: timings.commandTimeoutMs ?? 30_000 });
  journal.push(`ran ${argv.join(' ')}: ${describeExit(result)}`);
  return result;
}

export function commandOutput(result: CommandResult): string {
  return (result.stderr + result.stdout).trim();
}

function describeExit(result: CommandResult): string {
  if (result.code !== null) return `exit ${result.code}`;
  return result.signal !== null ? `killed by ${result.signal}` : result.stderr.trim() || 'not started';
}
