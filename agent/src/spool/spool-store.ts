/**
 * The agent's spool of session logs on disk: one directory, root's, mode 0700, so the users whose sessions
 * are recorded can neither read, alter nor delete their logs.
 *
 * Per log (see domain/recording/spool-naming.ts): `<id>.chunks`, the sealed chunks appended as they arrive
 * and fsynced in batches (never a partial chunk acknowledged), and `<id>.json`, the log's state, replaced
 * atomically: `recording` while the front writes it, `complete` with the writer's metadata header once
 * it finished, `incomplete` with the reason when the session's log could not be finished or the agent
 * restarted.
 *
 * The log file an uploader sends is header + chunks (openLog, read from disk as a stream, never joined in
 * memory): the writer's header for a complete log; for
 * an incomplete one a header made here from what the log said at the start (the encapsulated key, so
 * the chunks still open) with `exit_data.error_msg` saying why it is incomplete. The reader then reports it
 * `incomplete`, never silently truncated. The upload port is list() / openLog() / removeIfUnchanged().
 */
import { randomBytes } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { chmod, mkdir, open, readdir, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeHeader, type PtyMetadata } from '@latchkey/shared/session-log/log-metadata';
import type { SessionIdentity } from '@latchkey/shared/session-log/log-records';
import { logIdOfStateFile, newLogId, spoolFileNames } from '../domain/recording/spool-naming.js';
import type { HelloMessage } from '../domain/recording/spool-protocol.js';

export type SpooledLogStatus = 'recording' | 'complete' | 'incomplete';

export interface SpooledLogState {
  readonly log_id: string;
  readonly status: SpooledLogStatus;
  readonly started_at: number;
  readonly encapsulated_key: string;
  readonly pty: PtyMetadata | null;
  readonly identity: SessionIdentity | null;
  readonly unix_user: string;
  /** True when unix_user is what the agent itself logged in as (the front); false: only claimed. */
  readonly unix_user_verified?: boolean;
  /** Base64 of the writer's metadata header, once complete. */
  readonly header_base64?: string;
  /** Why the log is incomplete. */
  readonly reason?: string;
  readonly updated_at: string;
}

export const DEFAULT_SPOOL_DIR = '/var/lib/latchkey-agent/spool';

export class SpoolStore {
  /** One change at a time per log: a state change never interleaves with the uploader's removal. */
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(
    readonly dir: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Creates the directory (0700) and marks logs left `recording` by an earlier run incomplete: their
   * sessions ended with the agent that was spooling them.
   */
  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await chmod(this.dir, 0o700);
    for (const state of await this.list()) {
      if (state.status === 'recording') {
        await this.markIncomplete(state.log_id, 'the agent stopped while the session was being recorded');
      }
    }
  }

  /**
   * A new log; returns its id. `knownUnixUser`: the UNIX user the agent knows the session runs as (the
   * front's inner login), kept instead of the hello's claim.
   */
  async create(hello: HelloMessage, knownUnixUser?: string): Promise<{ logId: string }> {
    const identity = hello.identity as SessionIdentity | null;
    const logId = newLogId(
      identity?.session_id ?? 'session',
      new Date(hello.started_at * 1000),
      randomBytes(8).toString('hex'),
    );
    const names = spoolFileNames(logId);
    const chunks = await open(
      join(this.dir, names.chunks),
      constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY,
      0o600,
    );
    await chunks.sync();
    await chunks.close();
    await this.writeState({
      log_id: logId,
      status: 'recording',
      started_at: hello.started_at,
      encapsulated_key: hello.encapsulated_key,
      pty: (hello.pty ?? null) as PtyMetadata | null,
      identity,
      unix_user: knownUnixUser ?? hello.unix_user,
      unix_user_verified: knownUnixUser !== undefined,
      updated_at: this.now().toISOString(),
    });
    return { logId };
  }

  /** An appender for a log's chunks: append() queues, and every batch is written then fsynced. */
  async appender(logId: string): Promise<ChunkAppender> {
    const handle = await open(join(this.dir, spoolFileNames(logId).chunks), 'a');
    const size = (await handle.stat()).size;
    return new ChunkAppender(handle, size);
  }

  async markComplete(logId: string, header: Uint8Array): Promise<void> {
    await this.locked(logId, async () => {
      const state = await this.state(logId);
      await this.writeState({
        ...withoutReason(state),
        status: 'complete',
        header_base64: Buffer.from(header).toString('base64'),
        updated_at: this.now().toISOString(),
      });
    });
  }

  async markIncomplete(logId: string, reason: string): Promise<void> {
    await this.locked(logId, async () => {
      const state = await this.state(logId);
      if (state.status === 'complete') return;
      await this.writeState({ ...state, status: 'incomplete', reason, updated_at: this.now().toISOString() });
    });
  }

  async state(logId: string): Promise<SpooledLogState> {
    const text = await readFile(join(this.dir, spoolFileNames(logId).state), 'utf8');
    return JSON.parse(text) as SpooledLogState;
  }

  /** Every log in the spool, oldest first. */
  async list(): Promise<SpooledLogState[]> {
    const states: SpooledLogState[] = [];
    for (const name of await readdir(this.dir)) {
      const logId = logIdOfStateFile(name);
      if (logId === null) continue;
      try {
        states.push(await this.state(logId));
      } catch {
        // A state file being replaced right now, or not ours: skip it.
      }
    }
    return states.sort((a, b) => a.started_at - b.started_at || a.log_id.localeCompare(b.log_id));
  }

  /**
   * The log file as an auditor opens it: metadata header + chunks, to be read from disk as often as
   * needed (the upload reads it twice: its digest, then the send), never held whole. The chunks are
   * taken as long as they were when it was opened, so every read gives the same bytes. For a log still
   * recording or incomplete, the header is made here and says so in exit_data.error_msg; its data_size
   * counts the whole chunks, found by walking their frames on disk.
   */
  async openLog(logId: string): Promise<SpooledLogFile> {
    const state = await this.state(logId);
    const chunksPath = join(this.dir, spoolFileNames(logId).chunks);
    const handle = await open(chunksPath, 'r');
    let chunksLength: number;
    let header: Uint8Array;
    try {
      chunksLength = (await handle.stat()).size;
      if (state.status === 'complete' && state.header_base64 !== undefined) {
        header = Buffer.from(state.header_base64, 'base64');
      } else {
        header = encodeHeader({
          started_at: state.started_at,
          data_size: await plaintextBytesOnDisk(handle, chunksLength),
          encapsulated_key: state.encapsulated_key,
          pty: state.pty,
          exit_data: {
            timestamp: Math.floor(new Date(state.updated_at).getTime() / 1000),
            status: null,
            signal: null,
            core_dumped: false,
            error_msg:
              state.status === 'recording'
                ? 'the session is still being recorded'
                : `incomplete log: ${state.reason ?? 'its session did not finish it'}`,
          },
        }).bytes;
      }
    } finally {
      await handle.close();
    }
    return {
      header,
      size: header.length + chunksLength,
      read: () => readHeaderAndChunks(header, chunksPath, chunksLength),
    };
  }

  /**
   * The whole log file in one buffer (openLog, read once and joined): for tests and tools that want the
   * bytes; the uploader streams with openLog instead.
   */
  async readLog(logId: string): Promise<Buffer> {
    const file = await this.openLog(logId);
    const pieces: Uint8Array[] = [];
    for await (const piece of file.read()) pieces.push(piece);
    return Buffer.concat(pieces);
  }

  /** Removes a log (after the server has acknowledged it). */
  async remove(logId: string): Promise<void> {
    await this.locked(logId, () => this.removeNow(logId));
  }

  /**
   * Removes a log only if it is still as it was uploaded (same status and updated_at): a log whose state
   * changed meanwhile stays for the next pass. True when it was removed.
   */
  async removeIfUnchanged(logId: string, uploaded: { status: string; updated_at: string }): Promise<boolean> {
    return this.locked(logId, async () => {
      let state: SpooledLogState;
      try {
        state = await this.state(logId);
      } catch {
        return false;
      }
      if (state.status !== uploaded.status || state.updated_at !== uploaded.updated_at) return false;
      await this.removeNow(logId);
      return true;
    });
  }

  private async removeNow(logId: string): Promise<void> {
    const names = spoolFileNames(logId);
    // The state file first: a log without it is no longer listed, and a leftover chunks file is harmless.
    await rm(join(this.dir, names.state), { force: true });
    await rm(join(this.dir, names.chunks), { force: true });
  }

  private locked<T>(logId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(logId) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => undefined);
    this.locks.set(logId, settled);
    void settled.then(() => {
      if (this.locks.get(logId) === settled) this.locks.delete(logId);
    });
    return next;
  }

  async chunkBytes(logId: string): Promise<number> {
    return (await stat(join(this.dir, spoolFileNames(logId).chunks))).size;
  }

  private async writeState(state: SpooledLogState): Promise<void> {
    const path = join(this.dir, spoolFileNames(state.log_id).state);
    const temporary = `${path}.${randomBytes(4).toString('hex')}.tmp`;
    const handle = await open(temporary, 'w', 0o600);
    try {
      await handle.writeFile(JSON.stringify(state, null, 2) + '\n');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
    const dir = await open(this.dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}

/**
 * Appends sealed chunks with group commit: while one batch is being written and fsynced, the next
 * accumulates. Only fsynced bytes are reported as persisted.
 */
export class ChunkAppender {
  private queue: Buffer[] = [];
  private writing: Promise<void> | null = null;
  private failure: Error | null = null;

  /** Called with the total after each batch is fsynced. */
  onPersisted: (bytes: number) => void = () => {};

  constructor(
    private readonly handle: FileHandle,
    /** Bytes written and fsynced so far. */
    public persisted: number,
  ) {}

  append(bytes: Buffer): void {
    if (this.failure) throw this.failure;
    if (bytes.length === 0) return;
    this.queue.push(bytes);
    this.writing ??= this.writeBatches().finally(() => {
      this.writing = null;
    });
  }

  /** Resolves when everything appended so far is on disk; rejects with the write error (e.g. ENOSPC). */
  async flushed(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.failure) throw this.failure;
  }

  async close(): Promise<void> {
    try {
      await this.flushed();
    } finally {
      await this.handle.close();
    }
  }

  private async writeBatches(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        // One writev of the queued buffers (not concatenated first: no copy).
        const batch = this.queue;
        this.queue = [];
        let bytes = 0;
        for (const buffer of batch) bytes += buffer.length;
        let written = 0;
        while (written < bytes) {
          const { bytesWritten } = await this.handle.writev(written === 0 ? batch : rest(batch, written));
          if (bytesWritten === 0) throw new Error('the spool file took no bytes (write returned 0)');
          written += bytesWritten;
        }
        await this.handle.sync();
        this.persisted += bytes;
        this.onPersisted(this.persisted);
      }
    } catch (error) {
      this.failure = error instanceof Error ? error : new Error(String(error));
      this.queue = [];
    }
  }
}

/** The buffers of `batch` after its first `skip` bytes (what a short write left). */
function rest(batch: Buffer[], skip: number): Buffer[] {
  const out: Buffer[] = [];
  for (const buffer of batch) {
    if (skip >= buffer.length) {
      skip -= buffer.length;
      continue;
    }
    out.push(skip > 0 ? buffer.subarray(skip) : buffer);
    skip = 0;
  }
  return out;
}

function withoutReason(state: SpooledLogState): SpooledLogState {
  const { reason: _reason, ...rest } = state;
  return rest;
}

/** A spooled log file to read: its header, its size, and reads of header + chunks from the start. */
export interface SpooledLogFile {
  readonly header: Uint8Array;
  readonly size: number;
  read(): AsyncIterable<Uint8Array>;
}

/** How much of the chunks file each read takes: enough for throughput, small enough to never matter. */
const READ_PIECE_BYTES = 256 * 1024;

async function* readHeaderAndChunks(
  header: Uint8Array,
  chunksPath: string,
  chunksLength: number,
): AsyncGenerator<Uint8Array> {
  yield header;
  if (chunksLength === 0) return;
  const stream = createReadStream(chunksPath, {
    start: 0,
    end: chunksLength - 1,
    highWaterMark: READ_PIECE_BYTES,
  });
  try {
    let read = 0;
    for await (const piece of stream as AsyncIterable<Buffer>) {
      read += piece.length;
      yield piece;
    }
    if (read !== chunksLength) {
      throw new Error(`the spool file ${chunksPath} shrank to ${read} bytes while it was read`);
    }
  } finally {
    stream.destroy();
  }
}

/**
 * Plaintext bytes of the whole framed chunks among the first `length` bytes of the file (each chunk holds
 * 16 bytes of tag more than its plaintext), walking the frames with reads of at most 1 MiB: never the
 * whole file in memory.
 */
async function plaintextBytesOnDisk(handle: FileHandle, length: number): Promise<number> {
  const window = Buffer.alloc(Math.min(1 << 20, Math.max(4, length)));
  let windowStart = 0;
  let windowLength = 0;
  let total = 0;
  for (let offset = 0; offset + 4 <= length;) {
    if (offset + 4 > windowStart + windowLength) {
      const { bytesRead } = await handle.read(window, 0, Math.min(window.length, length - offset), offset);
      if (bytesRead < 4) break;
      windowStart = offset;
      windowLength = bytesRead;
    }
    const frame = window.readUInt32BE(offset - windowStart);
    const next = offset + 4 + frame;
    if (next > length) break;
    total += Math.max(0, frame - 16);
    offset = next;
  }
  return total;
}
