/**
 * Seals a session into the log format of spec/session-log-format.md, as the session runs.
 *
 * Usage: feed data() and record() as things happen, call takeSealed() to collect the framed chunks sealed
 * so far (the recorder ships them to the agent at once, so little is lost if it dies), and finish() once at
 * the end: it seals the rest, the terminator and Latchkey's trailer, and returns the metadata header, which
 * goes at the head of the file: file = header + every sealed byte in order.
 *
 * Pure apart from drawing the HPKE ephemeral key: no I/O, no clock (times are passed in).
 */
import { encodeHeader, type ExitData, type PtyMetadata, type SessionLogMetadata } from './log-metadata.js';
import {
  DATA_CODE,
  PACKET_HEADER_LENGTH,
  writePacket,
  writePacketHeader,
  type LogPacket,
  type PacketSource,
} from './log-packet.js';
import { encodeRecord, type LatchkeyRecord, type SessionIdentity } from './log-records.js';
import { setupHpkeSender, type HpkeSealer } from './hpke-base.js';

export interface SessionLogWriterOptions {
  /** Raw 32-byte X25519 public key of the auditors. */
  auditorPublicKey: Uint8Array;
  identity: SessionIdentity;
  /** null for sessions without a PTY (exec, scp, rsync, sftp). */
  pty: PtyMetadata | null;
  startedAt: Date;
  /** Plaintext bytes per chunk before it is sealed; default 32 KiB. */
  maxChunkBytes?: number;
  /** Test vectors only. */
  ephemeralPrivateKey?: Uint8Array;
}

export interface FinishedSessionLog {
  /** The last sealed chunks: the data still buffered, the terminator and the trailer. */
  sealed: Uint8Array;
  /** The metadata header, which goes before every sealed chunk. */
  header: Uint8Array;
  metadata: SessionLogMetadata;
}

type InBandRecord = Exclude<LatchkeyRecord, { kind: 'end' }>;

export class SessionLogWriter {
  private readonly sealer: HpkeSealer;
  private readonly maxChunkBytes: number;
  private readonly inBandRecords: boolean;
  private readonly deferredRecords: InBandRecord[] = [];
  /**
   * The next chunk's plaintext, packets written into it as they come (no packet objects kept, no
   * reference to the caller's bytes): `pendingBytes` of it are used, by `pendingPackets` packets. Reused
   * after each seal. Larger than maxChunkBytes only for a record that does not fit in one (it then makes
   * a chunk of its own, as before).
   */
  private plaintext: Buffer;
  private view: DataView;
  private pendingBytes = 0;
  private pendingPackets = 0;
  /** Framed chunks sealed since the last takeSealed(): each a 4-byte length and its ciphertext. */
  private sealedChunks: Uint8Array[] = [];
  private sealedBytes = 0;
  private dataChunks = 0;
  private dataPackets = 0;
  private dataBytes = 0;
  private lastElapsed = 0;
  private finished = false;

  constructor(private readonly options: SessionLogWriterOptions) {
    this.sealer = setupHpkeSender(options.auditorPublicKey, {
      ephemeralPrivateKey: options.ephemeralPrivateKey,
    });
    this.maxChunkBytes = Math.max(options.maxChunkBytes ?? 32 * 1024, PACKET_HEADER_LENGTH + 1024);
    this.plaintext = Buffer.allocUnsafeSlow(this.maxChunkBytes);
    this.view = new DataView(this.plaintext.buffer, this.plaintext.byteOffset, this.plaintext.byteLength);
    this.inBandRecords = options.pty !== null;
    this.record({ kind: 'start', elapsedMicros: 0, body: { format: 1, identity: options.identity } });
  }

  /** Terminal or program bytes from the client (0) or the server side (1), at `elapsedMicros`. */
  data(source: PacketSource, elapsedMicros: number, bytes: Uint8Array): void {
    const room = this.maxChunkBytes - PACKET_HEADER_LENGTH;
    for (let offset = 0; offset < bytes.length; offset += room) {
      const length = Math.min(room, bytes.length - offset);
      const elapsed = this.monotonic(elapsedMicros);
      const at = this.reserve(PACKET_HEADER_LENGTH + length);
      writePacketHeader(this.view, at, source, DATA_CODE, elapsed, length);
      this.plaintext.set(
        offset === 0 && length === bytes.length ? bytes : bytes.subarray(offset, offset + length),
        at + PACKET_HEADER_LENGTH,
      );
    }
  }

  /** A Latchkey record: in-band in PTY sessions, in the trailer otherwise (see log-records.ts). */
  record(record: InBandRecord): void {
    const timed = { ...record, elapsedMicros: this.monotonic(record.elapsedMicros) } as InBandRecord;
    if (this.inBandRecords) this.push(encodeRecord(timed));
    else this.deferredRecords.push(timed);
  }

  /** Seals whatever is buffered into a chunk now (the recorder calls this on a short timer). */
  flush(): void {
    if (this.pendingPackets === 0) return;
    this.dataChunks++;
    this.dataPackets += this.pendingPackets;
    this.dataBytes += this.pendingBytes;
    this.sealChunk(this.plaintext.subarray(0, this.pendingBytes));
    this.pendingPackets = 0;
    this.pendingBytes = 0;
    if (this.plaintext.length > this.maxChunkBytes) this.useBuffer(this.maxChunkBytes);
  }

  /** The framed chunks sealed since the last call, to append to the log in order. */
  takeSealed(): Uint8Array {
    const bytes = this.sealedBytes;
    return Buffer.concat(this.takeSealedPieces(), bytes);
  }

  /**
   * The same bytes as takeSealed(), not copied into one buffer: pieces (each chunk's 4-byte length, then
   * its ciphertext) to write in order, e.g. with one writev.
   */
  takeSealedPieces(): Uint8Array[] {
    const pieces = this.sealedChunks;
    this.sealedChunks = [];
    this.sealedBytes = 0;
    return pieces;
  }

  finish(end: {
    exitData: ExitData | null;
    elapsedMicros: number;
    closedBy?: 'recorder' | 'agent';
  }): FinishedSessionLog {
    if (this.finished) throw new Error('SessionLogWriter.finish called twice');
    this.flush();
    this.finished = true;
    this.sealChunk(new Uint8Array(0)); // the terminator: ssh-log-cli stops reading here

    const metadata: SessionLogMetadata = {
      started_at: Math.floor(this.options.startedAt.getTime() / 1000),
      data_size: this.dataBytes,
      encapsulated_key: Buffer.from(this.sealer.enc).toString('hex'),
      pty: this.options.pty,
      exit_data: end.exitData,
    };
    const header = encodeHeader(metadata);
    const trailer: LatchkeyRecord[] = [
      ...this.deferredRecords,
      {
        kind: 'end',
        elapsedMicros: this.monotonic(end.elapsedMicros),
        body: {
          format: 1,
          identity: this.options.identity,
          metadata_sha256: header.sha256,
          data_chunks: this.dataChunks,
          data_packets: this.dataPackets,
          data_bytes: this.dataBytes,
          closed_by: end.closedBy ?? 'recorder',
        },
      },
    ];
    let chunk: Uint8Array[] = [];
    let chunkBytes = 0;
    for (const record of trailer) {
      const packet = encodeRecord(record);
      const size = PACKET_HEADER_LENGTH + packet.data.length;
      if (chunk.length > 0 && chunkBytes + size > this.maxChunkBytes) {
        this.sealChunk(Buffer.concat(chunk));
        chunk = [];
        chunkBytes = 0;
      }
      const bytes = new Uint8Array(size);
      writePacket(bytes, 0, packet);
      chunk.push(bytes);
      chunkBytes += size;
    }
    this.sealChunk(Buffer.concat(chunk));
    return { sealed: this.takeSealed(), header: header.bytes, metadata };
  }

  private push(packet: LogPacket): void {
    const at = this.reserve(PACKET_HEADER_LENGTH + packet.data.length);
    writePacket(this.plaintext, at, packet);
  }

  /**
   * Room for one packet of `size` bytes in the pending chunk (sealing it first when the packet does not
   * fit): returns where the packet goes.
   */
  private reserve(size: number): number {
    if (this.finished) throw new Error('SessionLogWriter: the log is already finished');
    if (this.pendingBytes + size > this.maxChunkBytes) this.flush();
    if (size > this.plaintext.length) this.useBuffer(size);
    const at = this.pendingBytes;
    this.pendingBytes += size;
    this.pendingPackets++;
    return at;
  }

  /** A fresh plaintext buffer of `size` bytes (nothing pending). */
  private useBuffer(size: number): void {
    this.plaintext = Buffer.allocUnsafeSlow(size);
    this.view = new DataView(this.plaintext.buffer, this.plaintext.byteOffset, this.plaintext.byteLength);
  }

  private sealChunk(plaintext: Uint8Array): void {
    const [body, tag] = this.sealer.sealPieces(plaintext);
    const ciphertextLength = body.length + tag.length;
    const length = Buffer.allocUnsafe(4);
    length.writeUInt32BE(ciphertextLength, 0);
    this.sealedChunks.push(length, body, tag);
    this.sealedBytes += 4 + ciphertextLength;
  }

  private monotonic(elapsedMicros: number): number {
    this.lastElapsed = Math.max(this.lastElapsed, Math.floor(elapsedMicros));
    return this.lastElapsed;
  }
}
