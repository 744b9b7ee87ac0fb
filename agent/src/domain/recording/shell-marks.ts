/**
 * The marks Latchkey's shell integration prints around each command, and a scanner that takes them out of
 * the terminal stream.
 *
 * A mark is an OSC sequence, `ESC ] 633 ; LK ; <nonce> ; <kind> [; <payload>] BEL`, in the style of VS Code's
 * shell integration (OSC 633) with Latchkey's own sub-protocol. The nonce is drawn per session, so output
 * that merely contains such a sequence (a `cat` of a file, a user's `printf`) is passed through as data and
 * never counted as a mark. Marks are removed from what the user sees and what is recorded as terminal
 * output: the command records carry what they say.
 *
 * Kinds: `E` a command line starts (payload: the line, escaped), `D` it finished (payload: exit status),
 * `P` the shell's working directory (payload: `Cwd=<path>`, escaped), `A` a prompt starts.
 * Escaping (the shell side does it in bash/zsh): `\\` for a backslash, `\xNN` for `;` and control bytes.
 */

export type ShellMark =
  | { readonly kind: 'command-line'; readonly commandLine: string }
  | { readonly kind: 'command-finished'; readonly exitStatus: number | null }
  | { readonly kind: 'cwd'; readonly cwd: string }
  | { readonly kind: 'prompt' };

export interface ScannedOutput {
  /** The bytes to show and record, marks removed. */
  readonly output: Buffer;
  /** The marks found, in order. */
  readonly marks: readonly ShellMark[];
}

const OSC_PREFIX = Buffer.from('\x1b]633;LK;', 'latin1');
const ESC = 0x1b;
const BEL = 0x07;
const EMPTY = Buffer.alloc(0);
const NO_MARKS: readonly ShellMark[] = Object.freeze([]);
/** A mark longer than this is not one of ours (a command line this long is cut by the shell side). */
const MAX_MARK_BYTES = 256 * 1024;

/**
 * Scans terminal output chunk by chunk. A mark split across chunks is held back until it is whole, so
 * the scanner may return less output than it was given; the rest comes with the next chunk.
 */
export class ShellMarkScanner {
  private readonly prefix: Buffer;
  private held: Buffer = EMPTY;

  constructor(nonce: string) {
    if (!/^[A-Za-z0-9]{8,64}$/.test(nonce))
      throw new Error('a shell mark nonce is 8 to 64 letters or digits');
    this.prefix = Buffer.concat([OSC_PREFIX, Buffer.from(`${nonce};`, 'latin1')]);
  }

  /**
   * The output may share memory with `chunk` (it is not copied when nothing is taken out): the caller
   * must not change `chunk` afterwards.
   */
  scan(chunk: Uint8Array): ScannedOutput {
    let input: Buffer = this.held.length > 0 ? Buffer.concat([this.held, chunk]) : asBuffer(chunk);
    this.held = EMPTY;
    // The common case, streaming output: no escape byte, so no mark and nothing to hold back.
    if (input.indexOf(ESC) < 0) return { output: input, marks: NO_MARKS };
    const marks: ShellMark[] = [];
    const pieces: Buffer[] = [];
    let from = 0;
    for (;;) {
      const start = input.indexOf(this.prefix, from);
      if (start < 0) {
        const keep = partialPrefixAt(input, this.prefix, from);
        pieces.push(input.subarray(from, keep));
        if (keep < input.length) this.held = Buffer.from(input.subarray(keep));
        break;
      }
      const end = input.indexOf(BEL, start + this.prefix.length);
      if (end < 0) {
        if (input.length - start > MAX_MARK_BYTES) {
          // Not a mark after all (never terminated): pass it on as data.
          pieces.push(input.subarray(from));
          break;
        }
        pieces.push(input.subarray(from, start));
        this.held = Buffer.from(input.subarray(start));
        break;
      }
      pieces.push(input.subarray(from, start));
      const mark = parseMarkBody(input.subarray(start + this.prefix.length, end).toString('utf8'));
      if (mark !== null) marks.push(mark);
      from = end + 1;
    }
    input = pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
    return { output: input, marks: marks.length > 0 ? marks : NO_MARKS };
  }

  /** Whatever is held back (the session ended inside a possible mark): it is output after all. */
  drain(): Buffer {
    const rest = this.held;
    this.held = EMPTY;
    return rest;
  }
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Where a trailing partial copy of `prefix` starts in `input` (input.length when there is none). */
function partialPrefixAt(input: Buffer, prefix: Buffer, from: number): number {
  const lastEsc = input.lastIndexOf(0x1b);
  if (lastEsc < from || input.length - lastEsc >= prefix.length) return input.length;
  const tail = input.subarray(lastEsc);
  return prefix.subarray(0, tail.length).equals(tail) ? lastEsc : input.length;
}

function parseMarkBody(body: string): ShellMark | null {
  const separator = body.indexOf(';');
  const kind = separator < 0 ? body : body.slice(0, separator);
  const payload = separator < 0 ? '' : body.slice(separator + 1);
  switch (kind) {
    case 'E':
      return { kind: 'command-line', commandLine: unescapeMarkPayload(payload) };
    case 'D': {
      const status = /^\d{1,3}$/.test(payload) ? Number(payload) : null;
      return { kind: 'command-finished', exitStatus: status };
    }
    case 'P':
      return payload.startsWith('Cwd=') ? { kind: 'cwd', cwd: unescapeMarkPayload(payload.slice(4)) } : null;
    case 'A':
      return { kind: 'prompt' };
    default:
      return null;
  }
}

/** Reverses the shell side's escaping: `\\` is a backslash, `\xNN` a byte. */
export function unescapeMarkPayload(text: string): string {
  if (!text.includes('\\')) return text;
  const bytes: number[] = [];
  const raw = Buffer.from(text, 'utf8');
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i]!;
    if (byte === 0x5c && raw[i + 1] === 0x5c) {
      bytes.push(0x5c);
      i++;
    } else if (byte === 0x5c && raw[i + 1] === 0x78 && /^[0-9a-fA-F]{2}$/.test(hex(raw, i + 2))) {
      bytes.push(parseInt(hex(raw, i + 2), 16));
      i += 3;
    } else {
      bytes.push(byte);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function hex(raw: Buffer, at: number): string {
  return raw.subarray(at, at + 2).toString('latin1');
}

/** The shell side's escaping, for tests and for shells whose integration is generated here. */
export function escapeMarkPayload(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (char === '\\') out += '\\\\';
    else if (char === ';' || code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += char;
  }
  return out;
}
