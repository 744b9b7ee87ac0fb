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
  private pending: LogPacket[] = [];
  private pendingBytes = 0;
  private sealedChunks: Uint8Array[] = [];
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
    this.inBandRecords = options.pty !== null;
    this.record({ kind: 'start', elapsedMicros: 0, body: { format: 1, identity: options.identity } });
  }

  /** Terminal or program bytes from the client (0) or the server side (1), at `elapsedMicros`. */
  data(source: PacketSource, elapsedMicros: number, bytes: Uint8Array): void {
    const room = this.maxChunkBytes - PACKET_HEADER_LENGTH;
    for (let offset = 0; offset < bytes.length; offset += room) {
      this.push({
        source,
        code: DATA_CODE,
        elapsedMicros: this.monotonic(elapsedMicros),
        data: bytes.subarray(offset, offset + room),
      });
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
    if (this.pending.length === 0) return;
    const plaintext = new Uint8Array(this.pendingBytes);
    let offset = 0;
    for (const packet of this.pending) offset = writePacket(plaintext, offset, packet);
    this.dataChunks++;
    this.dataPackets += this.pending.length;
    this.dataBytes += plaintext.length;
    this.sealChunk(plaintext);
    this.pending = [];
    this.pendingBytes = 0;
  }

  /** The framed chunks sealed since the last call, to append to the log in order. */
  takeSealed(): Uint8Array {
    const out = Buffer.concat(this.sealedChunks);
    this.sealedChunks = [];
    return out;
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
    if (this.finished) throw new Error('SessionLogWriter: the log is already finished');
    const size = PACKET_HEADER_LENGTH + packet.data.length;
    if (this.pendingBytes + size > this.maxChunkBytes) this.flush();
    this.pending.push(packet);
    this.pendingBytes += size;
  }

  private sealChunk(plaintext: Uint8Array): void {
    const ciphertext = this.sealer.seal(plaintext);
    const framed = new Uint8Array(4 + ciphertext.length);
    new DataView(framed.buffer).setUint32(0, ciphertext.length);
    framed.set(ciphertext, 4);
    this.sealedChunks.push(framed);
  }

  private monotonic(elapsedMicros: number): number {
    this.lastElapsed = Math.max(this.lastElapsed, Math.floor(elapsedMicros));
    return this.lastElapsed;
  }
}
