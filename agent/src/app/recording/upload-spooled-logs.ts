/**
 * Moves session logs from the agent's spool to the access server, never losing one: a log leaves the
 * spool only after the server acknowledged it (2xx), and only if it did not change while it was being
 * sent (a log whose state changed meanwhile stays for the next pass). An agent killed at any point finds the log
 * still spooled when it starts again and sends it again; the server's upload is idempotent per log id.
 *
 * When each log goes is decided in domain/recording/spooled-log-upload.ts (complete at once, incomplete
 * after a grace period, recording never). A pass runs when the spool says a log ended (nudge), when a
 * waiting log becomes due, and on a periodic sweep. While the server cannot be reached, passes back off
 * exponentially (domain/agent/backoff.ts). A log the server refuses for good (409 conflict, a rejected
 * upload; 413, with the journal naming the server's --max-log-size to raise) stays in the spool, is
 * reported in the journal, and is offered again only after an hour.
 *
 * A log is never read whole into memory: the spool gives it as a file to read as a stream (header +
 * chunks from disk), and each attempt (each pass) reads it afresh, so memory does not grow with its size.
 */
import { LatchkeyError } from '@latchkey/shared/errors/latchkey-error';
import { parseHeader, type SessionLogMetadata } from '@latchkey/shared/session-log/log-metadata';
import { backoffDelayMs, DEFAULT_BACKOFF, type BackoffSettings } from '../../domain/agent/backoff.js';
import {
  decideUpload,
  DEFAULT_HELD_FOR_MS,
  DEFAULT_INCOMPLETE_GRACE_MS,
  uploadMetadataOf,
  type SpooledLogFacts,
} from '../../domain/recording/spooled-log-upload.js';
import type { LogUploadBody, SessionLogServer } from '../ports/agent-server.js';

/** A spooled log file: its metadata header (read for the index) and the whole file, readable again. */
export interface SpooledLogFile extends LogUploadBody {
  readonly header: Uint8Array;
}

/** The spool as the uploader uses it (spool/spool-store.ts). */
export interface LogSpool {
  /** Every spooled log, oldest first. */
  list(): Promise<SpooledLogFacts[]>;
  /**
   * The log file (metadata header + sealed chunks) to read as a stream, as often as needed: never held
   * whole, so a log of any size costs the agent a constant amount of memory to upload.
   */
  openLog(logId: string): Promise<SpooledLogFile>;
  /** Removes the log if its status and updated_at are still these; true when it was removed. */
  removeIfUnchanged(logId: string, uploaded: { status: string; updated_at: string }): Promise<boolean>;
}

export interface LogUploaderDeps {
  readonly spool: LogSpool;
  readonly server: Pick<SessionLogServer, 'uploadLog'>;
  readonly now: () => Date;
  readonly random: () => number;
  /** Resolves after `ms`, or early when `signal` aborts. */
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly log: (line: string) => void;
}

export interface LogUploaderSettings {
  /** How long an incomplete log waits after its last change before it goes. Default 2 minutes. */
  readonly incompleteGraceMs?: number;
  /** The periodic sweep when nothing else wakes the uploader. Default 60 s. */
  readonly sweepIntervalMs?: number;
  /** How long a log the server refused for good waits. Default 1 hour. */
  readonly heldForMs?: number;
  readonly backoff?: BackoffSettings;
}

export interface UploadPassOutcome {
  readonly uploaded: readonly string[];
  /** Refused for good this pass (kept in the spool). */
  readonly held: readonly string[];
  /** The server could not be reached (or refused the credential): the pass stopped there. */
  readonly unavailable: boolean;
  /** When the next waiting log becomes due (epoch ms), if any waits. */
  readonly nextDueMs?: number;
}

export class SpooledLogUploader {
  private readonly held = new Map<string, number>();
  private readonly settings: Required<LogUploaderSettings>;
  private wake: (() => void) | null = null;
  private nudged = false;
  private failures = 0;

  constructor(
    private readonly deps: LogUploaderDeps,
    settings: LogUploaderSettings = {},
  ) {
    this.settings = {
      incompleteGraceMs: settings.incompleteGraceMs ?? DEFAULT_INCOMPLETE_GRACE_MS,
      sweepIntervalMs: settings.sweepIntervalMs ?? 60_000,
      heldForMs: settings.heldForMs ?? DEFAULT_HELD_FOR_MS,
      backoff: settings.backoff ?? DEFAULT_BACKOFF,
    };
  }

  /** A log ended (the spool server says so): upload soon, unless the server is being backed off from. */
  nudge(): void {
    this.nudged = true;
    if (this.failures === 0) this.wake?.();
  }

  /** One pass over the spool: uploads every log that is due. Never throws for a server failure. */
  async uploadDue(): Promise<UploadPassOutcome> {
    const { deps } = this;
    const uploaded: string[] = [];
    const held: string[] = [];
    let nextDueMs: number | undefined;
    for (const log of await deps.spool.list()) {
      const nowMs = deps.now().getTime();
      const decision = decideUpload(
        log,
        nowMs,
        { incompleteGraceMs: this.settings.incompleteGraceMs },
        this.held.get(log.log_id),
      );
      if (decision.action === 'skip') continue;
      if (decision.action === 'wait') {
        nextDueMs = Math.min(nextDueMs ?? Infinity, decision.untilMs);
        continue;
      }
      const result = await this.uploadOne(log);
      if (result === 'unavailable') return { uploaded, held, unavailable: true };
      if (result === 'uploaded') uploaded.push(log.log_id);
      if (result === 'held') {
        held.push(log.log_id);
        const until = this.held.get(log.log_id);
        if (until !== undefined) nextDueMs = Math.min(nextDueMs ?? Infinity, until);
      }
    }
    return { uploaded, held, unavailable: false, ...(nextDueMs === undefined ? {} : { nextDueMs }) };
  }

  /** Passes until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const { deps, settings } = this;
    while (!signal.aborted) {
      this.nudged = false;
      let outcome: UploadPassOutcome;
      try {
        outcome = await this.uploadDue();
      } catch (error) {
        // The spool itself could not be read: try again on the next sweep.
        deps.log(`cannot read the session-log spool: ${messageOf(error)}`);
        outcome = { uploaded: [], held: [], unavailable: false };
      }
      this.failures = outcome.unavailable ? this.failures + 1 : 0;
      let delay = settings.sweepIntervalMs;
      if (this.failures > 0) {
        delay = backoffDelayMs(this.failures, deps.random(), settings.backoff);
        deps.log(`session logs wait for the server; next try in ${Math.round(delay / 100) / 10} s`);
      } else if (this.nudged) {
        continue;
      } else if (outcome.nextDueMs !== undefined) {
        delay = Math.min(delay, Math.max(0, outcome.nextDueMs - deps.now().getTime()) + 50);
      }
      await this.pause(delay, signal);
    }
  }

  /** Sleeps `ms`, ended early by a nudge or by `signal` (also one that aborted during the pass). */
  private async pause(ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    const early = new AbortController();
    const stopEarly = () => early.abort();
    signal.addEventListener('abort', stopEarly, { once: true });
    this.wake = stopEarly;
    try {
      await this.deps.sleep(ms, early.signal);
    } finally {
      this.wake = null;
      signal.removeEventListener('abort', stopEarly);
    }
  }

  private async uploadOne(log: SpooledLogFacts): Promise<'uploaded' | 'held' | 'unavailable' | 'gone'> {
    const { deps } = this;
    let file: SpooledLogFile;
    try {
      file = await deps.spool.openLog(log.log_id);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
      this.hold(log.log_id);
      deps.log(`session log ${log.log_id} cannot be read from the spool: ${messageOf(error)}; kept`);
      return 'held';
    }
    let header: SessionLogMetadata | undefined;
    if (log.status === 'complete') {
      try {
        header = parseHeader(file.header).metadata;
      } catch {
        // The server judges the file; the index falls back to what the spool knows.
      }
    }
    try {
      await deps.server.uploadLog(log.log_id, file, uploadMetadataOf(log, header));
    } catch (error) {
      // Removed while it was being read (another pass, or by hand): nothing to keep.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
      if (
        error instanceof LatchkeyError &&
        (error.code === 'unavailable' || error.code === 'unauthenticated')
      ) {
        return 'unavailable';
      }
      this.hold(log.log_id);
      const why =
        error instanceof LatchkeyError && error.code === 'conflict'
          ? 'the server already holds a different log under this id'
          : error instanceof LatchkeyError && error.code === 'payload_too_large'
            ? `it is ${file.size} bytes, more than the server accepts: ${messageOf(error)}. An admin of the ` +
              "server can raise its --max-log-size (LATCHKEY_MAX_LOG_SIZE) above the log's size"
            : `the server refused it: ${messageOf(error)}`;
      deps.log(
        `session log ${log.log_id} was not uploaded: ${why}; it stays in the spool and is offered again in ` +
          `${Math.round(this.settings.heldForMs / 60_000)} min`,
      );
      return 'held';
    }
    this.held.delete(log.log_id);
    const removed = await deps.spool.removeIfUnchanged(log.log_id, log);
    deps.log(
      removed
        ? `session log ${log.log_id} uploaded (${log.status}, ${file.size} bytes)`
        : `session log ${log.log_id} uploaded, and kept: it changed meanwhile`,
    );
    return 'uploaded';
  }

  private hold(logId: string): void {
    this.held.set(logId, this.deps.now().getTime() + this.settings.heldForMs);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
