/**
 * One session's log as it is being written: SessionLogWriter (shared) for the sealing, the session clock,
 * a short flush timer (so little is lost if the agent dies), and the hand-off of every sealed chunk to
 * the spool at once.
 */
import type { SessionLogWriter } from '@latchkey/shared/session-log/session-log-writer';
import type { ExitData } from '@latchkey/shared/session-log/log-metadata';
import type { PacketSource } from '@latchkey/shared/session-log/log-packet';
import type { CommandRecord, TransferRecord } from '@latchkey/shared/session-log/log-records';
import type { RecordingSink } from './recording-sink.js';

/** Where sealed chunks go: the spool on disk (SpoolStoreSink). */
export interface SealedLogSpool {
  /** True while the backlog is over its bound: session data is then counted, not kept. */
  readonly overflowing: boolean;
  /** Bytes not yet taken (backpressure). */
  readonly writableLength: number;
  onDrain(listener: () => void): void;
  sendPieces(pieces: readonly Uint8Array[]): void;
  finish(
    header: Uint8Array,
    sealed: Uint8Array,
    timeoutMs: number,
  ): Promise<{ ok: true } | { ok: false; reason: string }>;
  close(): void;
}

/** How often buffered packets are sealed and shipped even when no chunk filled up. */
const FLUSH_INTERVAL_MS = 50;
/**
 * Bulk output is shipped in batches of about this much (whole chunks), not chunk by chunk: fewer
 * writes and fewer wake-ups of the spool. The flush timer ships whatever is left.
 */
const SHIP_BATCH_BYTES = 256 * 1024;

export class SessionRecording implements RecordingSink {
  /** The session clock: performance.now() is monotonic like hrtime, without a BigInt per call. */
  private readonly startedAt = performance.now();
  private readonly flushTimer: NodeJS.Timeout;
  private dirty = false;
  private readonly markers: string[] = [];
  private droppedBytes = 0;
  private unshippedBytes = 0;

  constructor(
    private readonly writer: SessionLogWriter,
    private readonly spool: SealedLogSpool,
  ) {
    this.flushTimer = setInterval(() => this.flush(), FLUSH_INTERVAL_MS);
    this.flushTimer.unref();
  }

  elapsedMicros(): number {
    return Math.floor((performance.now() - this.startedAt) * 1000);
  }

  data(source: PacketSource, bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    if (this.spool.overflowing) {
      // No spool for long enough that the backlog hit its bound: keep the session going, count what is
      // not recorded, and say so in the log.
      this.droppedBytes += bytes.length;
      return;
    }
    this.writer.data(source, this.elapsedMicros(), bytes);
    this.dirty = true;
    this.unshippedBytes += bytes.length;
    if (this.unshippedBytes >= SHIP_BATCH_BYTES) this.ship();
  }

  command(body: CommandRecord): void {
    this.writer.record({ kind: 'command', elapsedMicros: this.elapsedMicros(), body });
    this.dirty = true;
    this.ship();
  }

  resize(width: number, height: number): void {
    this.writer.record({ kind: 'resize', elapsedMicros: this.elapsedMicros(), body: { width, height } });
    this.dirty = true;
  }

  transfer(body: TransferRecord): void {
    this.writer.record({ kind: 'transfer', elapsedMicros: this.elapsedMicros(), body });
    this.dirty = true;
  }

  /** Bytes waiting to be written to the spool. */
  spoolBacklog(): number {
    return this.spool.writableLength;
  }

  onSpoolDrain(listener: () => void): void {
    this.spool.onDrain(listener);
  }

  /** A note for the log's exit_data.error_msg (degraded recording). */
  mark(note: string): void {
    if (!this.markers.includes(note)) this.markers.push(note);
  }

  flush(): void {
    if (!this.dirty) return;
    this.dirty = false;
    this.writer.flush();
    this.ship();
  }

  /** Seals the end of the log and waits (up to `timeoutMs`) until the spool holds all of it. */
  async finish(
    exit: Omit<ExitData, 'error_msg'>,
    timeoutMs: number,
  ): Promise<{ ok: boolean; reason?: string }> {
    clearInterval(this.flushTimer);
    if (this.droppedBytes > 0) {
      this.mark(
        `${this.droppedBytes} bytes of session data were not recorded while the agent's log spool was unreachable`,
      );
    }
    const finished = this.writer.finish({
      exitData: { ...exit, error_msg: this.markers.length > 0 ? this.markers.join('; ') : null },
      elapsedMicros: this.elapsedMicros(),
    });
    this.ship();
    const result = await this.spool.finish(finished.header, finished.sealed, timeoutMs);
    this.spool.close();
    return result.ok ? { ok: true } : { ok: false, reason: result.reason };
  }

  private ship(): void {
    this.unshippedBytes = 0;
    // Pieces, not one concatenated buffer: the spool writes them with one writev, and fewer large
    // buffers (external memory) means fewer of V8's full collections.
    const pieces = this.writer.takeSealedPieces();
    if (pieces.length > 0) this.spool.sendPieces(pieces);
  }
}
