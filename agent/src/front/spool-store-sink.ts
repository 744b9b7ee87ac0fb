/**
 * A session log written by the front straight into the agent's root-owned spool (SpoolStore), with no
 * socket in between: nothing on the target but the agent itself can add to the spool.
 *
 * Contract (SealedLogSpool): chunks are appended in order and fsynced in batches by ChunkAppender;
 * past `maxBacklogBytes` not yet on disk the log is `overflowing` (the recording then counts what it
 * drops and says so in the log); finish() writes the last chunks, waits until they are on disk and marks
 * the log complete; a log that cannot be finished (disk full) is left marked incomplete with the reason,
 * never silently truncated.
 */
import type { HelloMessage } from '../domain/recording/spool-protocol.js';
import type { SealedLogSpool } from './session-recording.js';
import type { ChunkAppender, SpoolStore } from '../spool/spool-store.js';

const DEFAULT_MAX_BACKLOG_BYTES = 64 * 1024 * 1024;

export class SpoolStoreSink implements SealedLogSpool {
  private appended: number;
  private drainListeners: (() => void)[] = [];
  private trouble: string | null = null;
  private finished = false;

  private constructor(
    private readonly store: SpoolStore,
    readonly logId: string,
    private readonly appender: ChunkAppender,
    private readonly maxBacklogBytes: number,
  ) {
    this.appended = appender.persisted;
    appender.onPersisted = () => {
      if (this.writableLength > 0) return;
      for (const listener of this.drainListeners.splice(0)) listener();
    };
  }

  /** A new log in the spool; throws when the spool cannot take one (the caller's mode decides). */
  static async open(
    store: SpoolStore,
    hello: HelloMessage,
    unixUser: string,
    maxBacklogBytes = DEFAULT_MAX_BACKLOG_BYTES,
  ): Promise<SpoolStoreSink> {
    const { logId } = await store.create(hello, unixUser);
    return new SpoolStoreSink(store, logId, await store.appender(logId), maxBacklogBytes);
  }

  get overflowing(): boolean {
    return this.trouble !== null || this.writableLength > this.maxBacklogBytes;
  }

  get writableLength(): number {
    return this.appended - this.appender.persisted;
  }

  /** Why the log cannot take more (a write failed), or null. */
  get lastTrouble(): string | null {
    return this.trouble;
  }

  onDrain(listener: () => void): void {
    if (this.writableLength === 0) setImmediate(listener);
    else this.drainListeners.push(listener);
  }

  sendPieces(pieces: readonly Uint8Array[]): void {
    if (this.trouble !== null) return;
    try {
      for (const piece of pieces) {
        if (piece.length === 0) continue;
        this.appender.append(Buffer.from(piece.buffer, piece.byteOffset, piece.length));
        this.appended += piece.length;
      }
    } catch (error) {
      this.trouble = `the spool cannot write the log: ${(error as Error).message}`;
    }
  }

  async finish(
    header: Uint8Array,
    sealed: Uint8Array,
    _timeoutMs: number,
  ): Promise<{ ok: true } | { ok: false; reason: string }> {
    this.finished = true;
    this.sendPieces([sealed]);
    try {
      await this.appender.close();
      if (this.trouble !== null) throw new Error(this.trouble);
      await this.store.markComplete(this.logId, header);
      return { ok: true };
    } catch (error) {
      const reason = this.trouble ?? `the spool cannot finish the log: ${(error as Error).message}`;
      await this.store.markIncomplete(this.logId, reason).catch(() => undefined);
      return { ok: false, reason };
    }
  }

  /** After finish() nothing is left to do; before it, the log is left incomplete (the session died). */
  close(): void {
    if (this.finished) return;
    this.finished = true;
    void this.appender
      .close()
      .catch(() => undefined)
      .then(() => this.store.markIncomplete(this.logId, 'the session ended before its log was finished'))
      .catch(() => undefined);
  }
}
