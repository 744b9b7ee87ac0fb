/**
 * An uploaded log file as it arrives (pieces of any size, never joined: a log of any size costs the server
 * a bounded amount of memory), and the checks on it that need no key: its SHA-256 and size, counted as
 * the pieces pass, and that it starts with a well-formed session-log header (shared/src/session-log),
 * checked before the first piece is passed on, so garbage is refused before anything is stored.
 */
import { createHash } from 'node:crypto';
import { LatchkeyError, parseHeader } from '@latchkey/shared';

/** The largest header a session log may have (u32 length + 1 MiB of base64, as parseHeader allows). */
const MAX_HEADER_BYTES = 4 + (1 << 20);

export class CheckedLogBody {
  private readonly hash = createHash('sha256');
  private bytes = 0;
  private finished = false;

  constructor(private readonly source: AsyncIterable<Uint8Array>) {}

  /**
   * The body's pieces, passed on as they come (read once). Throws malformed_session_log, saying what is
   * wrong, before passing anything on unless the body starts with a log header; a failure of the source
   * (cut off, too large) is thrown as it is.
   */
  async *pieces(): AsyncGenerator<Uint8Array> {
    const head: Uint8Array[] = [];
    let headBytes = 0;
    let checked = false;
    let end = Infinity;
    for await (const piece of this.source) {
      this.count(piece);
      if (checked) {
        yield piece;
        continue;
      }
      head.push(piece);
      headBytes += piece.length;
      if (end === Infinity) end = headerEnd(head);
      if (headBytes < end) continue;
      checkLogHeader(head);
      checked = true;
      yield* head;
      head.length = 0;
    }
    if (!checked) {
      checkLogHeader(head);
      yield* head;
    }
    this.finished = true;
  }

  /** Reads the whole body through the checks without keeping it (an upload that changes nothing). */
  async drain(): Promise<void> {
    for await (const _piece of this.pieces()) {
      // checked and counted, then dropped
    }
  }

  /** Bytes read so far. */
  get size(): number {
    return this.bytes;
  }

  /** The SHA-256 of the whole body, once it has been read to its end. */
  sha256(): Uint8Array {
    if (!this.finished) throw new Error('the body has not been read to its end');
    return new Uint8Array(this.hash.digest());
  }

  private count(piece: Uint8Array): void {
    this.hash.update(piece);
    this.bytes += piece.length;
  }
}

/** Where the header of a body that starts with `head` ends (capped at MAX_HEADER_BYTES); Infinity: unknown yet. */
function headerEnd(head: readonly Uint8Array[]): number {
  const first = Buffer.concat(head).subarray(0, 4);
  if (first.length < 4) return Infinity;
  return Math.min(4 + first.readUInt32BE(0), MAX_HEADER_BYTES);
}

/** Throws malformed_session_log, saying what is wrong, unless `head` starts with a log header. */
function checkLogHeader(head: readonly Uint8Array[]): void {
  const bytes = Buffer.concat(head).subarray(0, MAX_HEADER_BYTES);
  if (bytes.length === 0) {
    throw new LatchkeyError('malformed_session_log', 'the body is empty: expected a session log file');
  }
  try {
    parseHeader(bytes);
  } catch (error) {
    const problem = error instanceof LatchkeyError ? error.message : String(error);
    throw new LatchkeyError('malformed_session_log', `the body is not a session log: ${problem}`, {
      cause: error,
    });
  }
}
