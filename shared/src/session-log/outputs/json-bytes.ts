/**
 * JSON string escaping done on bytes, for the big outputs (session.cast): valid UTF-8 needs no decoding to
 * become a JSON string, only its control characters, `"` and `\` escaped the way JSON.stringify escapes
 * them. This runs several times faster than decoding, JSON.stringify and encoding again (profiled:
 * ~2.5 s of a 200 MB session went there).
 */
import { isUtf8 } from 'node:buffer';

const HEX = '0123456789abcdef';
/** The escape of each byte that needs one (as JSON.stringify writes it), else undefined. */
const ESCAPES: (Uint8Array | undefined)[] = Array.from({ length: 256 }, (_, byte) => {
  const short: Record<number, string> = {
    8: '\\b',
    9: '\\t',
    10: '\\n',
    12: '\\f',
    13: '\\r',
    34: '\\"',
    92: '\\\\',
  };
  if (short[byte] !== undefined) return Buffer.from(short[byte]!, 'latin1');
  if (byte < 0x20) return Buffer.from(`\\u00${HEX[byte >> 4]}${HEX[byte & 15]}`, 'latin1');
  return undefined;
});

/** 1 for the bytes that go into a JSON string as they are (a table lookup beat three comparisons). */
const SAFE = Uint8Array.from({ length: 256 }, (_, byte) => (ESCAPES[byte] === undefined ? 1 : 0));

/** Pieces of output built in large buffers; `take()` hands over what is written so far. */
export class ByteWriter {
  private buffer: Buffer;
  private used = 0;

  constructor(private readonly size = 1 << 20) {
    this.buffer = Buffer.allocUnsafe(size);
  }

  get length(): number {
    return this.used;
  }

  /** Appends ASCII/latin1-free text (UTF-8 encoded). */
  text(text: string): void {
    this.reserve(Buffer.byteLength(text));
    this.used += this.buffer.write(text, this.used, 'utf8');
  }

  /** Appends valid UTF-8 bytes escaped as the inside of a JSON string. */
  jsonEscaped(bytes: Uint8Array): void {
    this.reserve(bytes.length * 6);
    const out = this.buffer;
    let at = this.used;
    const length = bytes.length;
    for (let index = 0; index < length; index++) {
      const byte = bytes[index]!;
      if (SAFE[byte] === 1) {
        out[at++] = byte;
      } else {
        const escape = ESCAPES[byte]!;
        for (let k = 0; k < escape.length; k++) out[at++] = escape[k]!;
      }
    }
    this.used = at;
  }

  /** What is written so far (the writer starts a new buffer). */
  take(): Uint8Array {
    const out = this.buffer.subarray(0, this.used);
    this.buffer = Buffer.allocUnsafe(this.size);
    this.used = 0;
    return out;
  }

  private reserve(bytes: number): void {
    if (this.used + bytes <= this.buffer.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.size, (this.used + bytes) * 2));
    this.buffer.copy(bigger, 0, 0, this.used);
    this.buffer = bigger;
  }
}

/**
 * How many leading bytes of `bytes` end on a character boundary: an incomplete UTF-8 sequence at the end
 * (a lead byte followed by fewer continuation bytes than it announces) is left for the next piece.
 */
export function completeUtf8Length(bytes: Uint8Array): number {
  const end = bytes.length;
  for (let back = 1; back <= Math.min(3, end); back++) {
    const byte = bytes[end - back]!;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: keep looking for its lead
    const needed =
      byte >= 0xf0 && byte <= 0xf4
        ? 4
        : byte >= 0xe0 && byte <= 0xef
          ? 3
          : byte >= 0xc2 && byte <= 0xdf
            ? 2
            : 1;
    return needed > back ? end - back : end;
  }
  return end;
}

export { isUtf8 };
