/**
 * The agent's work, once (`apply`) or for ever (`run`): renew the credential when due, register the
 * target, fetch the CA keys, make sshd trust them (applyCaTrust: validated, atomic, rolled back on
 * failure), heartbeat. While running it also watches ca.pub, sshd_config and the drop-in, and repairs
 * drift (re-applying the last keys) as soon as a change lands, reporting each repair to the server.
 *
 * When the server cannot be reached the cycle stops where it is and is retried with exponential
 * backoff; sshd keeps the CA it trusts and drift is still repaired from the last keys.
 *
 * Each cycle also brings the front's recording settings (recording.json) up to date (app/recording/
 * sync-recording-settings.ts), whether or not the server answered: the last known key is kept.
 *
 * A host installed by an agent before the SSH front (sshd trusting the account CA, a force-command
 * recorder) is switched over in steps that each keep a way in (domain/front/switch-over-trust.ts): ca.pub
 * trusts both CAs until a heartbeat has reported the front, then the host CA only, and then the old
 * recorder's leftovers go.
 */
import { LatchkeyError } from '@latchkey/shared/errors/latchkey-error';
import type { DriftRepair, SshdConfigState } from '@latchkey/shared/api/agents';
import { backoffDelayMs, DEFAULT_BACKOFF } from '../../domain/agent/backoff.js';
import type { BackoffSettings } from '../../domain/agent/backoff.js';
import { shouldRenewCredential } from '../../domain/agent/credential-renewal.js';
import { applyCaTrust, resolvePaths } from '../apply-ca-trust.js';
import type { AgentServer } from '../ports/agent-server.js';
import type { AgentStateStore, AgentStatus, Enrolment } from '../ports/agent-state.js';
import type { ControlPlane } from '../ports/control-plane.js';
import type { FileWatcher } from '../ports/file-watcher.js';
import type { HostInfo } from '../ports/host-info.js';
import type { SshdChangeLock } from '../ports/sshd-change-lock.js';
import type { FrontHostCertificateStore } from '../ports/front-host-certificate.js';
import type { FrontSessionReport } from '../ports/front-sessions.js';
import type { SshdChangeResult } from '../sshd-change-result.js';
import type { SshdChangeContext } from '../sshd-host.js';
import { DEFAULT_DROP_IN_NAME } from '../../domain/sshd/edit-sshd-config.js';
import { FRONT_RECORDER } from '../../domain/agent/agent-config.js';
import {
  initialSwitchOverStage,
  switchOverKeys,
  type SwitchOverStage,
} from '../../domain/front/switch-over-trust.js';
import { fetchCaKeys } from './fetch-ca-keys.js';
import { registerTarget } from './register-target.js';
import type { RegisterOutcome, RegisterSettings } from './register-target.js';
import { caKeyFingerprint } from '../../domain/sshd/merge-ca-file.js';

/** Latchkey mode: the access server's agent routes and the enrolment they run on. */
export interface LatchkeyConnection {
  readonly server: AgentServer;
  /** The current enrolment; replaced (and stored) when the credential is renewed. */
  enrolment: Enrolment;
  /** Called with the renewed enrolment, so the HTTP clients use the new token. */
  readonly onRenewed: (enrolment: Enrolment) => void;
}

export interface AgentDaemonDeps {
  readonly sshd: SshdChangeContext;
  readonly controlPlane: ControlPlane;
  readonly host: HostInfo;
  readonly state: AgentStateStore;
  readonly watcher: FileWatcher;
  /** Absent in Cloudflare mode (no enrolment, no heartbeat). */
  readonly latchkey?: LatchkeyConnection;
  /** Keeps recording.json current (RecordingSettingsSync); absent when the daemon does not record. */
  readonly recording?: {
    sync(target: { targetId?: string; hostname?: string }): Promise<{
      readonly breakGlass?: { readonly until: string; readonly reason: string };
    }>;
  };
  readonly now: () => Date;
  readonly random: () => number;
  /** Resolves after `ms`, or early when `signal` aborts. */
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly log: (line: string) => void;
  /** The host-wide lock on changes to sshd's files; absent: this process is the only one changing them. */
  readonly sshdLock?: SshdChangeLock;
  /** The front's open sessions, for the heartbeat; absent without a front. */
  readonly frontSessions?: () => readonly FrontSessionReport[];
  /** The front's host certificate: reported in the heartbeat, replaced from its answer; absent without a front. */
  readonly frontHostCertificate?: FrontHostCertificateStore;
  /**
   * Removes what an agent before the front left for its force-command recorder (its spool socket, the
   * uid-proof directory); returns what it removed. Run once sshd trusts only the host CA.
   */
  readonly removeRecorderLeftovers?: () => Promise<readonly string[]>;
}

export interface AgentDaemonSettings {
  readonly version: string;
  readonly register: RegisterSettings;
  /** Cloudflare mode: POST gateway_ca before GET. */
  readonly createCa: boolean;
  /** Pause between cycles when all is well. */
  readonly intervalMs: number;
  readonly backoff?: BackoffSettings;
  /** The recording mode, for the heartbeat (with `recorder_command` = FRONT_RECORDER: the front records). */
  readonly recording?: { readonly mode: 'best-effort' | 'strict' };
  /** The ranges this agent dials as a connector (`--route`, canonical CIDRs), for the heartbeat. */
  readonly connectorRoutes?: readonly string[];
  /**
   * The agent's SSH front (DESIGN.md flow 6). With it, sshd trusts only the host-local CA (the front's
   * inner logins), never the account CA: a person's certificate opens this host only through the front.
   */
  readonly front?: {
    readonly port: number;
    /** The front's host key (public), reported so the server can hand it to clients. */
    readonly hostKey: string;
    /** What sshd's ca.pub holds instead of the account CA. */
    readonly hostCaPublicKey: string;
  };
}

/** A changed file is read again this long after, until it reads the same twice (untilFilesSettle). */
export const FILE_SETTLE_MS = 250;
/** A file that never stops changing is planned on after this many rounds anyway. */
export const FILE_SETTLE_ROUNDS = 20;

/** How long after a repair the files are checked once more. */
export const FOLLOW_UP_CHECK_MS = 1000;

export interface CycleOutcome {
  readonly ok: boolean;
  readonly status: AgentStatus;
}

export class AgentDaemon {
  private lastKeys: string[] | undefined;
  /** The break-glass in force as the last recording sync found it, for the heartbeat. */
  private breakGlass: { until: string; reason: string } | undefined;
  private sshdState: { state: SshdConfigState; method?: string; message?: string } = { state: 'unknown' };
  private pendingRepairs: DriftRepair[] = [];
  /** A drift repair is in the queue; changes rolled back in a row; a repair waiting because of them. */
  private repairQueued = false;
  private consecutiveRollbacks = 0;
  /** Set once `run` ends: queued repairs then change nothing. */
  private stopping = false;
  /** sshd may not have read the files an interrupted change left (applyCaTrust's `reloadOwed`). */
  private reloadOwed = false;
  private delayedRepair: ReturnType<typeof setTimeout> | undefined;
  /** The check that follows every repair (see queueRepair). */
  private followUp: ReturnType<typeof setTimeout> | undefined;
  /** Every sshd change goes through this chain: a drift repair never runs beside a cycle's apply. */
  private sshdQueue: Promise<unknown> = Promise.resolve();
  /** Measured on the previous heartbeat's answer, sent with the next. */
  private clockOffsetMs: number | undefined;
  /** This host's target, as last registered (or read from the state at start). */
  private targetId: string | undefined;
  private hostname: string | undefined;
  /** With a front: where the switch-over from direct account-CA trust stands; undefined until known. */
  private switchOver: SwitchOverStage | undefined;
  private leftoversRemoved = false;

  constructor(
    private readonly deps: AgentDaemonDeps,
    private readonly settings: AgentDaemonSettings,
  ) {}

  /** One cycle. Never throws: what went wrong is in the status (and the log). */
  async cycle(): Promise<CycleOutcome> {
    const { deps } = this;
    let registration: RegisterOutcome | undefined;
    let recordingSynced = false;
    const problems: string[] = [];
    try {
      await this.renewIfDue();
      try {
        registration = await registerTarget(deps, this.settings.register);
        this.targetId = registration.targetId;
        this.hostname = registration.hostname;
        if (registration.kind !== 'unchanged') {
          deps.log(
            `target ${registration.targetId} ${registration.kind === 'create' ? 'registered' : 'updated'}: ` +
              `${registration.hostname} ${[registration.addresses.ipv4, registration.addresses.ipv6].filter(Boolean).join(' ')}`,
          );
        }
      } catch (error) {
        // No server, or a credential it refuses: nothing further can work this cycle.
        if (isUnreachable(error) || (error instanceof LatchkeyError && error.code === 'unauthenticated')) {
          throw error;
        }
        problems.push(`registration: ${messageOf(error)}`);
        deps.log(`cannot register the target: ${messageOf(error)}`);
      }
      const keys = await fetchCaKeys(deps.controlPlane, { createIfMissing: this.settings.createCa });
      // With the keys as they were, a change this cycle makes is drift the watcher has not repaired yet
      // (its event lost, or its repair still waiting for the file to settle): reported as drift too.
      const sameAsBefore = this.lastKeys !== undefined && sameKeys(keys, this.lastKeys);
      if (!sameKeys(keys, this.lastKeys)) await deps.state.writeCaKeys(keys);
      this.lastKeys = keys;
      try {
        const result = await this.applyKeys(keys);
        if (result.status === 'applied' && sameAsBefore && result.changedFiles.length > 0) {
          this.reportDrift(result.changedFiles, result.status, '');
        } else if (result.status === 'applied') {
          deps.log(`sshd now trusts the CA (${result.method ?? 'unchanged method'})`);
        }
      } catch (error) {
        // sshd's files as they are cannot be planned on (the domain refuses them): nothing was changed.
        this.sshdState = { state: 'failed', message: messageOf(error) };
        problems.push(`sshd: ${messageOf(error)}`);
      }
      // Recording first: the heartbeat reports a break-glass as it stands after this cycle's sync.
      await this.syncRecording(registration);
      recordingSynced = true;
      await this.heartbeat();
      await this.finishSwitchOver(keys);
      const status = this.status(true, registration, problems);
      await deps.state.writeStatus(status);
      return { ok: problems.length === 0 && this.sshdState.state === 'trusted', status };
    } catch (error) {
      const reachable = !isUnreachable(error);
      problems.push(
        messageOf(error) +
          (error instanceof LatchkeyError && error.code === 'unauthenticated' && deps.latchkey !== undefined
            ? '; the credential is no longer accepted: enrol again with latchkey-agent enroll'
            : ''),
      );
      deps.log(reachable ? `cycle failed: ${problems.at(-1)}` : `server unreachable: ${messageOf(error)}`);
      if (!recordingSynced) await this.syncRecording(registration);
      const status = this.status(reachable, registration, problems);
      await deps.state.writeStatus(status).catch(() => undefined);
      return { ok: false, status };
    }
  }

  /** Cycles until `signal` aborts: every intervalMs when all is well, with backoff when not. */
  async run(signal: AbortSignal): Promise<void> {
    const { deps, settings } = this;
    const watched = this.watchedPaths();
    // The keys of the last run, so drift is repaired even if the server is away from the start.
    await this.restoreState();
    const stopWatching = await deps.watcher.watch(watched, (path) => this.onFileChanged(path));
    deps.log(`watching ${watched.join(', ')}`);
    try {
      let failures = 0;
      while (!signal.aborted) {
        const { ok, status } = await this.cycle();
        failures = status.serverReachable && ok ? 0 : failures + 1;
        const delay =
          failures === 0
            ? settings.intervalMs
            : Math.min(
                settings.intervalMs,
                backoffDelayMs(failures, deps.random(), settings.backoff ?? DEFAULT_BACKOFF),
              );
        if (failures > 0) deps.log(`retrying in ${Math.round(delay / 100) / 10} s`);
        await this.pause(delay, signal);
      }
    } finally {
      this.stopping = true;
      await stopWatching();
      clearTimeout(this.delayedRepair);
      this.delayedRepair = undefined;
      clearTimeout(this.followUp);
      this.followUp = undefined;
      await this.sshdQueue.catch(() => undefined);
    }
  }

  private async pause(ms: number, signal: AbortSignal): Promise<void> {
    await this.deps.sleep(ms, signal);
  }

  private onFileChanged(path: string): void {
    // One repair queued at a time (a burst of events is one drift). After a change was rolled back, the
    // rollback's own writes trigger another attempt, and that one another: with an sshd that refuses the
    // change, that hammered it with restarts (found on a real systemd host). So after rollbacks a repair
    // waits, 1 s doubling up to the cycle interval; a change that works ends the wait.
    if (this.stopping || this.lastKeys === undefined || this.repairQueued || this.delayedRepair !== undefined)
      return;
    if (this.consecutiveRollbacks === 0) return this.queueRepair(path);
    const delay = Math.min(this.settings.intervalMs, 1000 * 2 ** Math.min(this.consecutiveRollbacks - 1, 16));
    this.delayedRepair = setTimeout(() => {
      this.delayedRepair = undefined;
      this.queueRepair(path);
    }, delay);
  }

  private queueRepair(path: string): void {
    const keys = this.lastKeys;
    if (keys === undefined || this.repairQueued) return;
    this.repairQueued = true;
    void this.enqueue(async () => {
      this.repairQueued = false;
      await this.untilFilesSettle();
      // Stopping (SIGTERM): a repair queued before it starts no change the service manager would cut
      // half-way (it ends the agent's commands with it); the next start checks the files anyway.
      if (this.stopping) return;
      const result = await applyCaTrust({
        ...this.deps.sshd,
        serverKeys: await this.sshdKeys(keys),
        reloadOwed: this.reloadOwed,
      });
      this.noteResult(result);
      if (result.status === 'unchanged') return;
      // A file event can be lost or merged while a repair runs (its own writes are events too; a watcher
      // error, a rename mid-write): check once more a moment after every repair, so a second tamper that
      // landed meanwhile is never left until the next cycle (issue 18).
      clearTimeout(this.followUp);
      this.followUp = setTimeout(() => {
        this.followUp = undefined;
        this.onFileChanged(path);
      }, FOLLOW_UP_CHECK_MS);
      this.followUp.unref?.();
      // The files the repair rewrote are the drift, whichever event woke it: events of a burst are one
      // repair, and the one that queued it may name another file than the one that was tampered with.
      this.reportDrift(
        result.status === 'applied' ? result.changedFiles : [path],
        result.status,
        result.status === 'applied' ? '' : result.failure.message,
      );
      await this.heartbeat().catch(() => undefined);
    });
  }

  /** Logs each repair and keeps it for the next heartbeat (the server audits it). */
  private reportDrift(paths: readonly string[], status: 'applied' | 'rolled_back', failure: string): void {
    const at = this.deps.now().toISOString();
    for (const path of paths) {
      this.deps.log(
        `drift in ${path} ${status === 'applied' ? 'repaired' : 'could not be repaired: ' + failure}`,
      );
      this.pendingRepairs.push({ path, at, status });
    }
  }

  /** The files whose changes are drift: the CA file, sshd_config and Latchkey's drop-in. */
  private watchedPaths(): string[] {
    const paths = resolvePaths(this.deps.sshd.paths);
    return [
      paths.caPath,
      paths.mainPath,
      `${paths.dropInDir ?? `${paths.sshDir}/sshd_config.d`}/${paths.dropInName ?? DEFAULT_DROP_IN_NAME}`,
    ];
  }

  /**
   * Waits until the watched files read the same twice, FILE_SETTLE_MS apart (at most FILE_SETTLE_ROUNDS
   * times). A file event arrives while someone is still writing: `echo … > sshd_config` truncates, then
   * writes, and a busy host can run the agent in between. Planning on the empty file would write a config
   * of Latchkey's lines alone, and the reload would bring sshd up on port 22 with defaults (issue 18, seen
   * under CPU load).
   */
  private async untilFilesSettle(): Promise<void> {
    const { files, clock } = this.deps.sshd.host;
    const read = async () =>
      (await Promise.all(this.watchedPaths().map((path) => files.read(path).catch(() => undefined))))
        .map((bytes) => (bytes === undefined ? '\u0000absent' : Buffer.from(bytes).toString('latin1')))
        .join('\u0000');
    let before = await read();
    for (let round = 0; round < FILE_SETTLE_ROUNDS; round++) {
      await clock.sleep(FILE_SETTLE_MS);
      const now = await read();
      if (now === before) return;
      before = now;
    }
  }

  /**
   * The account CA's keys (what the front verifies people's certificates with), as last fetched or, before
   * the first fetch, as the last run stored them; and this host's target. Undefined until both are known.
   */
  trust(): { targetId: string; hostname: string | undefined; accountCaKeys: readonly string[] } | undefined {
    if (this.targetId === undefined || this.lastKeys === undefined) return undefined;
    return { targetId: this.targetId, hostname: this.hostname, accountCaKeys: this.lastKeys };
  }

  /** Reads what the last run knew (keys and target), so the front works before the server answers. */
  async restoreState(): Promise<void> {
    this.lastKeys ??= (await this.deps.state.readCaKeys().catch(() => undefined))?.slice();
    this.targetId ??= (await this.deps.state.readRegistration().catch(() => undefined))?.targetId;
    // A debt the last run left (see applyCaTrust's reloadOwed) is paid by this run's first change.
    if ((await this.deps.state.readStatus().catch(() => undefined))?.sshd.reloadOwed === true) {
      this.reloadOwed = true;
    }
  }

  /**
   * What sshd trusts: the host-local CA when the front is on (with the account CA's keys too while a host
   * of an older agent switches over), else the account CA's keys.
   */
  private async sshdKeys(accountKeys: string[]): Promise<string[]> {
    const front = this.settings.front;
    if (front === undefined) return accountKeys;
    if (this.switchOver === undefined) {
      const caPath = resolvePaths(this.deps.sshd.paths).caPath;
      const bytes = await this.deps.sshd.host.files.read(caPath);
      this.switchOver = initialSwitchOverStage(
        bytes === undefined ? undefined : Buffer.from(bytes).toString('utf8'),
        accountKeys,
      );
      if (this.switchOver === 'transition') {
        this.deps.log(
          'sshd trusts the account CA directly (an agent before the SSH front): it trusts the host CA too until the server knows the front',
        );
      }
    }
    return switchOverKeys(this.switchOver, accountKeys, front.hostCaPublicKey);
  }

  /**
   * After a heartbeat that reported the front: the last step of the switch-over (sshd trusts the host CA
   * only), then, once sshd trusts only that, the old recorder's leftovers go. Never throws.
   */
  private async finishSwitchOver(keys: string[]): Promise<void> {
    if (this.settings.front === undefined) return;
    if (this.switchOver === 'transition') {
      this.switchOver = 'front-only';
      try {
        const result = await this.applyKeys(keys);
        // Unchanged too: a drift repair queued meanwhile may have written the same files first.
        if (result.status === 'applied' || result.status === 'unchanged') {
          this.deps.log('the server knows the front: sshd now trusts the host CA only, not the account CA');
        }
      } catch (error) {
        this.sshdState = { state: 'failed', message: messageOf(error) };
      }
    }
    if (this.leftoversRemoved || this.sshdState.state !== 'trusted') return;
    const remove = this.deps.removeRecorderLeftovers;
    if (remove === undefined) return;
    try {
      const removed = await remove();
      this.leftoversRemoved = true;
      if (removed.length > 0) {
        this.deps.log(`removed the force-command recorder's leftovers: ${removed.join(', ')}`);
      }
    } catch (error) {
      this.deps.log(`cannot remove the force-command recorder's leftovers: ${messageOf(error)}`);
    }
  }

  private applyKeys(keys: string[]): Promise<SshdChangeResult> {
    return this.enqueue(async () => {
      // A cycle can land in the middle of someone's write as well as a file event can.
      await this.untilFilesSettle();
      const result = await applyCaTrust({
        ...this.deps.sshd,
        serverKeys: await this.sshdKeys(keys),
        reloadOwed: this.reloadOwed,
      });
      this.noteResult(result);
      return result;
    });
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    // The queue orders this process's changes; the lock keeps other processes' (apply, uninstall) out.
    const lock = this.deps.sshdLock;
    const locked = lock === undefined ? work : () => lock.withLock(work);
    const next = this.sshdQueue.then(locked, locked);
    this.sshdQueue = next.catch((error: unknown) => {
      this.deps.log(`sshd change failed: ${messageOf(error)}`);
    });
    return next;
  }

  private noteResult(result: SshdChangeResult): void {
    this.reloadOwed = result.reloadOwed ?? this.reloadOwed;
    this.consecutiveRollbacks = result.status === 'rolled_back' ? this.consecutiveRollbacks + 1 : 0;
    // The commands a change ran on sshd (check, reload or restart, probe): what docs/agent.md's matrix of
    // init systems is taken from.
    if (result.status !== 'unchanged')
      for (const line of result.journal) if (line.startsWith('ran ')) this.deps.log(`sshd: ${line}`);
    if (result.status === 'rolled_back') {
      this.sshdState = {
        state: 'rolled_back',
        ...(result.method === undefined ? {} : { method: result.method }),
        message: `${result.failure.stage}: ${result.failure.message}`,
      };
      this.deps.log(`sshd change rolled back at ${result.failure.stage}: ${result.failure.message}`);
    } else {
      this.sshdState = {
        state: 'trusted',
        ...(result.method === undefined ? {} : { method: result.method }),
      };
    }
  }

  /** Never throws: a recording.json that cannot be written is logged, and tried again next cycle. */
  private async syncRecording(registration: RegisterOutcome | undefined): Promise<void> {
    const recording = this.deps.recording;
    if (recording === undefined) return;
    try {
      const targetId =
        registration?.targetId ?? (await this.deps.state.readRegistration().catch(() => undefined))?.targetId;
      const outcome = await recording.sync({
        ...(targetId === undefined ? {} : { targetId }),
        ...(registration === undefined ? {} : { hostname: registration.hostname }),
      });
      this.breakGlass =
        outcome.breakGlass === undefined
          ? undefined
          : { until: outcome.breakGlass.until, reason: outcome.breakGlass.reason };
    } catch (error) {
      this.deps.log(`cannot update the recording settings: ${messageOf(error)}`);
    }
  }

  private async renewIfDue(): Promise<void> {
    const latchkey = this.deps.latchkey;
    if (latchkey === undefined) return;
    const { enrolment } = latchkey;
    const credential = { issuedAt: new Date(enrolment.issuedAt), expiresAt: new Date(enrolment.expiresAt) };
    if (!shouldRenewCredential(credential, this.deps.now())) return;
    const renewed = await latchkey.server.renewCredential();
    const next: Enrolment = {
      ...enrolment,
      apiToken: renewed.api_token,
      issuedAt: this.deps.now().toISOString(),
      expiresAt: renewed.expires_at,
    };
    await this.deps.state.writeEnrolment(next);
    latchkey.enrolment = next;
    latchkey.onRenewed(next);
    this.deps.log(`credential renewed; it expires at ${renewed.expires_at}`);
  }

  private async heartbeat(): Promise<void> {
    const latchkey = this.deps.latchkey;
    if (latchkey === undefined) return;
    const repairs = this.pendingRepairs.splice(0);
    try {
      const sshdVersion = await this.deps.host.sshdVersion();
      const accounts = await this.deps.host.systemAccounts().catch(() => undefined);
      const hostCertificate = this.deps.frontHostCertificate?.current();
      const { clockOffsetMs, frontHostCertificate } = await latchkey.server.heartbeat({
        version: this.settings.version,
        distro: await this.deps.host.distro(),
        ...(sshdVersion === undefined ? {} : { sshd_version: sshdVersion }),
        ...(this.clockOffsetMs === undefined ? {} : { clock_offset_ms: this.clockOffsetMs }),
        sshd_config: {
          ...this.sshdState,
          ...(this.sshdState.message === undefined ? {} : { message: this.sshdState.message.slice(0, 4000) }),
          ...(this.lastKeys === undefined
            ? {}
            : {
                ca_keys: this.lastKeys.length,
                ca_key_fingerprints: this.lastKeys
                  .map(caKeyFingerprint)
                  .filter((fingerprint): fingerprint is string => fingerprint !== undefined)
                  .slice(0, 16),
              }),
        },
        ...(repairs.length === 0 ? {} : { drift_repairs: repairs }),
        ...(accounts === undefined ? {} : { uid_min: accounts.uidMin, system_users: accounts.systemUsers }),
        ...(this.settings.connectorRoutes === undefined || this.settings.connectorRoutes.length === 0
          ? {}
          : { connector_routes: [...this.settings.connectorRoutes] }),
        ...(this.settings.front === undefined
          ? {}
          : {
              front: {
                port: this.settings.front.port,
                host_key: this.settings.front.hostKey,
                ...(hostCertificate === undefined ? {} : { host_certificate: hostCertificate }),
              },
              sessions: (this.deps.frontSessions?.() ?? []).slice(0, 2000).map((session) => ({
                session_id: session.sessionId,
                person: session.person,
                unix_user: session.unixUser,
                program: session.program,
                ...(session.command === undefined ? {} : { command: session.command.slice(0, 1000) }),
                started_at: session.startedAt.toISOString(),
                client_address: session.clientAddress,
              })),
            }),
        ...(this.settings.recording === undefined
          ? {}
          : {
              recording: {
                recorder_command: FRONT_RECORDER,
                mode: this.settings.recording.mode,
                ...(this.breakGlass === undefined ? {} : { break_glass: this.breakGlass }),
              },
            }),
      });
      if (clockOffsetMs !== undefined) this.clockOffsetMs = clockOffsetMs;
      if (frontHostCertificate !== undefined && frontHostCertificate !== hostCertificate) {
        await this.frontHostCertificateReceived(frontHostCertificate);
      }
      if (clockOffsetMs !== undefined && Math.abs(clockOffsetMs) > 30_000) {
        this.deps.log(
          `this host's clock is ${Math.round(clockOffsetMs / 1000)} s off the server's: certificates may be refused; fix the time (NTP)`,
        );
      }
    } catch (error) {
      this.pendingRepairs.unshift(...repairs);
      throw error;
    }
  }

  /** A new host certificate for the front: stored and presented; a failure is logged, the old one stays. */
  private async frontHostCertificateReceived(certificateLine: string): Promise<void> {
    const store = this.deps.frontHostCertificate;
    if (store === undefined) return;
    try {
      await store.replace(certificateLine);
      this.deps.log('ssh front: presenting a new host certificate from the access server');
    } catch (error) {
      this.deps.log(
        `ssh front: cannot use the host certificate the server sent: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  private status(
    serverReachable: boolean,
    registration: RegisterOutcome | undefined,
    problems: string[],
  ): AgentStatus {
    return {
      at: this.deps.now().toISOString(),
      ...(registration === undefined
        ? {}
        : {
            targetId: registration.targetId,
            hostname: registration.hostname,
            addresses: registration.addresses,
          }),
      sshd: { ...this.sshdState, ...(this.reloadOwed ? { reloadOwed: true } : {}) },
      ...(this.lastKeys === undefined ? {} : { caKeys: this.lastKeys.length }),
      serverReachable,
      ...(problems.length === 0 ? {} : { error: problems.join('; ') }),
    };
  }
}

function sameKeys(a: readonly string[], b: readonly string[] | undefined): boolean {
  return b !== undefined && a.length === b.length && a.every((key, index) => key === b[index]);
}

export function isUnreachable(error: unknown): boolean {
  return error instanceof LatchkeyError && error.code === 'unavailable';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
