/**
 * The plaintext packets of a session log (spec/session-log-format.md):
 *   u32 total_len (13 + data length) | u8 source | u32 code | u64 elapsed µs | data
 * all big-endian. Source 0 is the client (user to server), 1 the origin (server to user).
 */
import { LatchkeyError } from '../errors/latchkey-error.js';

export const PACKET_HEADER_LENGTH = 17;
/** The part of the header that total_len counts (source, code, elapsed). */
const COUNTED_HEADER_LENGTH = 13;

export type PacketSource = 0 | 1;
export const CLIENT: PacketSource = 0;
export const ORIGIN: PacketSource = 1;
/** Code of ordinary terminal/program data; Latchkey's own records use the codes in log-records.ts. */
export const DATA_CODE = 0;

export interface LogPacket {
  source: PacketSource;
  code: number;
  /** Microseconds since the session started; non-decreasing through a log. */
  elapsedMicros: number;
  data: Uint8Array;
}

export function encodePacket(packet: LogPacket): Uint8Array {
  const bytes = new Uint8Array(PACKET_HEADER_LENGTH + packet.data.length);
  writePacket(bytes, 0, packet);
  return bytes;
}

/** Writes `packet` at `offset` of `target` (which must have room) and returns the offset after it. */
export function writePacket(target: Uint8Array, offset: number, packet: LogPacket): number {
  const view = new DataView(target.buffer, target.byteOffset, target.byteLength);
  writePacketHeader(view, offset, packet.source, packet.code, packet.elapsedMicros, packet.data.length);
  target.set(packet.data, offset + PACKET_HEADER_LENGTH);
  return offset + PACKET_HEADER_LENGTH + packet.data.length;
}

/**
 * Writes a packet's 17-byte header at `offset` of `view`; the data (`dataLength` bytes) goes right after
 * it. `elapsedMicros` is a non-negative integer below 2^53 (written as a u64 without a BigInt).
 */
export function writePacketHeader(
  view: DataView,
  offset: number,
  source: PacketSource,
  code: number,
  elapsedMicros: number,
  dataLength: number,
): void {
  view.setUint32(offset, COUNTED_HEADER_LENGTH + dataLength);
  view.setUint8(offset + 4, source);
  view.setUint32(offset + 5, code);
  view.setUint32(offset + 9, Math.floor(elapsedMicros / 0x1_0000_0000));
  view.setUint32(offset + 13, elapsedMicros % 0x1_0000_0000);
}

/**
 * Splits one chunk's plaintext into packets. Writers never split a packet across chunks, so a chunk that
 * ends inside a packet, a total_len under 13 or a source other than 0/1 is malformed.
 */
export function decodePackets(chunk: Uint8Array, chunkIndex: number): LogPacket[] {
  const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  const packets: LogPacket[] = [];
  let offset = 0;
  while (offset < chunk.length) {
    if (chunk.length - offset < PACKET_HEADER_LENGTH) {
      throw malformed(chunkIndex, `${chunk.length - offset} stray bytes where a packet header should be`);
    }
    const totalLength = view.getUint32(offset);
    if (totalLength < COUNTED_HEADER_LENGTH) {
      throw malformed(chunkIndex, `packet length ${totalLength} is under the minimum of 13`);
    }
    const end = offset + 4 + totalLength;
    if (end > chunk.length) throw malformed(chunkIndex, 'a packet runs past the end of its chunk');
    const source = view.getUint8(offset + 4);
    if (source !== CLIENT && source !== ORIGIN) {
      throw malformed(chunkIndex, `packet source ${source} is neither client (0) nor origin (1)`);
    }
    packets.push({
      source,
      code: view.getUint32(offset + 5),
      elapsedMicros: Number(view.getBigUint64(offset + 9)),
      data: chunk.subarray(offset + PACKET_HEADER_LENGTH, end),
    });
    offset = end;
  }
  return packets;
}

function malformed(chunkIndex: number, what: string): LatchkeyError {
  return new LatchkeyError('malformed_session_log', `chunk ${chunkIndex}: ${what}`);
}
