/**
 * The protocol between the recorder (the logged-in user) and the agent's spool (root) over a unix socket.
 *
 * Frames, both ways: `u32 length` (of what follows), `u8 type`, payload. Recorder → spool:
 * - HELLO (1), JSON {@link HelloMessage}: a new log, or `resume` of one whose connection was lost.
 * - CHUNKS (2), raw: whole framed HPKE chunks as SessionLogWriter.takeSealed() returns them, in order.
 * - FINISH (3): `u32 H`, H bytes of the metadata header (SessionLogWriter.finish().header), then the last
 *   framed chunks (the rest, the terminator and the trailer). The log is complete.
 *
 * Spool → recorder:
 * - READY (0x81), JSON {@link ReadyMessage}: the log id, a resume token, and how many chunk bytes the spool
 *   already holds (0 for a new log; after a resume the recorder sends from there).
 * - PERSISTED (0x82), JSON `{bytes}`: chunk bytes written and fsynced so far (group commit).
 * - FINISHED (0x83), JSON `{log_id, state: "complete"}`: the log is whole on disk.
 * - REFUSED (0x8F), JSON `{code, message}`: the spool cannot keep the log (e.g. disk full); it closes.
 *
 * A connection that closes before FINISH leaves the log marked incomplete (never silently truncated); a
 * resume with the right token takes it up again.
 */

export const FRAME = {
  hello: 1,
  chunks: 2,
  finish: 3,
  ready: 0x81,
  persisted: 0x82,
  finished: 0x83,
  refused: 0x8f,
} as const;

export const SPOOL_PROTOCOL_VERSION = 1;
/** Beside the socket: where recorders prove their uid (see HelloMessage.uid_proof). */
export const PEER_PROOF_DIR = 'peers';
export const PEER_PROOF_NAME = /^[0-9a-f]{32}$/;
/** The largest frame either side accepts (a chunk is at most 32 KiB + 20; batches stay well below). */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;

export interface HelloMessage {
  readonly protocol: typeof SPOOL_PROTOCOL_VERSION;
  /** Unix seconds, as in the metadata. */
  readonly started_at: number;
  /** Hex of the HPKE encapsulated key: with it an incomplete log can still be opened. */
  readonly encapsulated_key: string;
  readonly pty: unknown;
  /** The session identity (shared SessionIdentity), kept for listing before the log is decrypted. */
  readonly identity: unknown;
  /** The recorder's UNIX user, as it claims (the spool cannot see peer credentials from Node). */
  readonly unix_user: string;
  /**
   * The name of an empty file the recorder created in the spool's proof directory ({@link PEER_PROOF_DIR}
   * beside the socket: sticky, others may create but not list): its owner is the recorder's real uid,
   * which the spool takes as the log's UNIX user instead of the claim (peer-proof.ts).
   */
  readonly uid_proof?: string;
  readonly resume?: { readonly log_id: string; readonly token: string };
}

export interface ReadyMessage {
  readonly log_id: string;
  readonly token: string;
  readonly have_bytes: number;
}

export interface Frame {
  readonly type: number;
  readonly payload: Buffer;
}

export function encodeFrame(type: number, payload: Uint8Array): Buffer {
  return Buffer.concat([encodeFrameHead(type, payload.length), payload]);
}

/** The 5 bytes before a payload of `payloadLength` bytes (for writing the payload apart, with writev). */
export function encodeFrameHead(type: number, payloadLength: number): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(payloadLength + 1, 0);
  head.writeUInt8(type, 4);
  return head;
}

export function encodeJsonFrame(type: number, value: unknown): Buffer {
  return encodeFrame(type, Buffer.from(JSON.stringify(value), 'utf8'));
}

export function encodeFinishPayload(header: Uint8Array, sealed: Uint8Array): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(header.length, 0);
  return Buffer.concat([length, header, sealed]);
}

export function decodeFinishPayload(payload: Buffer): { header: Buffer; sealed: Buffer } {
  if (payload.length < 4) throw new Error('a FINISH frame is too short');
  const length = payload.readUInt32BE(0);
  if (4 + length > payload.length) throw new Error('a FINISH frame ends inside its header');
  return { header: payload.subarray(4, 4 + length), sealed: payload.subarray(4 + length) };
}

/** Splits a byte stream into frames; throws on a frame larger than MAX_FRAME_BYTES or empty. */
export class FrameDecoder {
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;

  push(bytes: Buffer): Frame[] {
    this.buffered.push(bytes);
    this.bufferedBytes += bytes.length;
    if (this.bufferedBytes < 5) return [];
    // A large frame comes in many reads: join them once it is whole, not at every read.
    const first = this.buffered[0]!;
    if (first.length >= 4) {
      const length = first.readUInt32BE(0);
      if (length > MAX_FRAME_BYTES) throw new Error(`a spool frame of ${length} bytes is out of range`);
      if (this.bufferedBytes < 4 + length) return [];
    }
    let data = this.buffered.length === 1 ? this.buffered[0]! : Buffer.concat(this.buffered);
    const frames: Frame[] = [];
    let offset = 0;
    while (data.length - offset >= 5) {
      const length = data.readUInt32BE(offset);
      if (length === 0 || length > MAX_FRAME_BYTES)
        throw new Error(`a spool frame of ${length} bytes is out of range`);
      if (data.length - offset - 4 < length) break;
      frames.push({ type: data[offset + 4]!, payload: data.subarray(offset + 5, offset + 4 + length) });
      offset += 4 + length;
    }
    data = data.subarray(offset);
    this.buffered = data.length > 0 ? [data] : [];
    this.bufferedBytes = data.length;
    return frames;
  }
}

/**
 * The length of the longest prefix of `chunks` that is whole framed chunks (`u32 L`, L bytes): where a
 * spool file that a crash cut mid-write is truncated before more is appended.
 */
export function wholeChunksLength(chunks: Uint8Array): number {
  const view = new DataView(chunks.buffer, chunks.byteOffset, chunks.byteLength);
  let offset = 0;
  while (chunks.length - offset >= 4) {
    const next = offset + 4 + view.getUint32(offset);
    if (next > chunks.length) break;
    offset = next;
  }
  return offset;
}
