import { LatchkeyError } from '../errors/latchkey-error.js';

/**
 * The SSH wire encoding of RFC 4251 §5 (uint32, uint64, string, mpint, name-list), bounds-checked.
 *
 * The reader never trusts a length field: a length larger than the bytes that remain is
 * `certificate_length_out_of_range` (nothing is allocated for it), running out of input while reading a
 * fixed-size field is `certificate_truncated`, and `finish()` rejects trailing bytes with
 * `certificate_trailing_data`. Strings are returned as views (subarray) of the input, never copies.
 */
export class SshWireReader {
  private offset = 0;

  constructor(
    private readonly bytes: Uint8Array,
    /** Names the structure being read in error messages, e.g. "certificate" or "public key". */
    private readonly what = 'certificate',
  ) {}

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  get position(): number {
    return this.offset;
  }

  uint32(field: string): number {
    this.need(4, field);
    const b = this.bytes;
    const o = this.offset;
    this.offset += 4;
    return ((b[o]! << 24) >>> 0) + (b[o + 1]! << 16) + (b[o + 2]! << 8) + b[o + 3]!;
  }

  uint64(field: string): bigint {
    const high = this.uint32(field);
    const low = this.uint32(field);
    return (BigInt(high) << 32n) | BigInt(low);
  }

  /** A `string` (uint32 length + bytes) as a view of the input. */
  string(field: string): Uint8Array {
    const length = this.uint32(field);
    if (length > this.remaining) {
      throw new LatchkeyError(
        'certificate_length_out_of_range',
        `${this.what}: ${field} claims ${length} bytes but only ${this.remaining} remain`,
      );
    }
    const value = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }

  /** A `string` that must be UTF-8 text without NUL bytes (OpenSSH reads these as C strings). */
  text(field: string): string {
    const raw = this.string(field);
    if (raw.includes(0)) {
      throw new LatchkeyError('malformed_certificate', `${this.what}: ${field} contains a NUL byte`);
    }
    try {
      return utf8Decoder.decode(raw);
    } catch (cause) {
      throw new LatchkeyError('malformed_certificate', `${this.what}: ${field} is not valid UTF-8`, {
        cause,
      });
    }
  }

  /**
   * An `mpint` that must be non-negative (as OpenSSH requires for every key and signature integer),
   * returned as unsigned big-endian bytes without leading zeros.
   */
  unsignedMpint(field: string, maxBytes: number): Uint8Array {
    const raw = this.string(field);
    if (raw.length > 0 && (raw[0]! & 0x80) !== 0) {
      throw new LatchkeyError('malformed_key', `${this.what}: ${field} is a negative integer`);
    }
    let start = 0;
    while (start < raw.length && raw[start] === 0) start++;
    const value = raw.subarray(start);
    if (value.length > maxBytes) {
      throw new LatchkeyError(
        'certificate_length_out_of_range',
        `${this.what}: ${field} is ${value.length} bytes long, more than the ${maxBytes} allowed`,
      );
    }
    return value;
  }

  /** Throws `certificate_trailing_data` unless every byte has been read. */
  finish(): void {
    if (this.remaining !== 0) {
      throw new LatchkeyError(
        'certificate_trailing_data',
        `${this.what}: ${this.remaining} unexpected byte(s) after the last field`,
      );
    }
  }

  private need(count: number, field: string): void {
    if (this.remaining < count) {
      throw new LatchkeyError(
        'certificate_truncated',
        `${this.what}: input ends inside ${field} (needs ${count} bytes, ${this.remaining} remain)`,
      );
    }
  }
}

/** Builds SSH wire encodings. Grows a single buffer; `toBytes()` returns a copy of what was written. */
export class SshWireWriter {
  private buffer: Uint8Array;
  private length = 0;

  constructor(initialCapacity = 256) {
    this.buffer = new Uint8Array(initialCapacity);
  }

  uint32(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      throw new RangeError(`uint32 out of range: ${value}`);
    }
    this.reserve(4);
    const b = this.buffer;
    const o = this.length;
    b[o] = value >>> 24;
    b[o + 1] = (value >>> 16) & 0xff;
    b[o + 2] = (value >>> 8) & 0xff;
    b[o + 3] = value & 0xff;
    this.length += 4;
    return this;
  }

  uint64(value: bigint): this {
    if (value < 0n || value > UINT64_MAX) throw new RangeError(`uint64 out of range: ${value}`);
    return this.uint32(Number(value >> 32n)).uint32(Number(value & 0xffffffffn));
  }

  /** A `string` holding raw bytes. */
  string(value: Uint8Array): this {
    this.uint32(value.length);
    return this.raw(value);
  }

  /** A `string` holding UTF-8 text. */
  text(value: string): this {
    return this.string(utf8Encoder.encode(value));
  }

  /** An `mpint` from unsigned big-endian bytes: leading zeros stripped, a zero byte added if the top bit is set. */
  unsignedMpint(value: Uint8Array): this {
    let start = 0;
    while (start < value.length && value[start] === 0) start++;
    const digits = value.subarray(start);
    const pad = digits.length > 0 && (digits[0]! & 0x80) !== 0 ? 1 : 0;
    this.uint32(digits.length + pad);
    if (pad) this.raw(ZERO_BYTE);
    return this.raw(digits);
  }

  /** Bytes as they are, without a length prefix. */
  raw(value: Uint8Array): this {
    this.reserve(value.length);
    this.buffer.set(value, this.length);
    this.length += value.length;
    return this;
  }

  toBytes(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }

  /** What has been written so far, without copying. Valid only until the next write. */
  view(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }

  get size(): number {
    return this.length;
  }

  private reserve(count: number): void {
    const needed = this.length + count;
    if (needed <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }
}

export const UINT64_MAX = 0xffffffffffffffffn;

const ZERO_BYTE = new Uint8Array([0]);
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

/** Reads a complete `string` list (e.g. the principals field): the bytes must hold whole strings and nothing else. */
export function readTextList(bytes: Uint8Array, what: string, field: string): string[] {
  const reader = new SshWireReader(bytes, what);
  const items: string[] = [];
  while (reader.remaining > 0) items.push(reader.text(field));
  return items;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
