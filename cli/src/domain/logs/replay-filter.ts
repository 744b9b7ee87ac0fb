/**
 * What `latchkey logs play` writes of a session's terminal output (unless `--raw`): the session's own
 * display, and nothing that reaches outside the replay.
 *
 * Kept: text (valid UTF-8), the C0 controls that move and ring (BEL BS HT LF VT FF CR, SO SI), cursor
 * movement, erasing within the screen, scrolling, insert and delete, colours and attributes (SGR), the
 * scroll region, the alternate screen, cursor visibility and style, autowrap, origin and insert modes,
 * reverse video, G0/G1 character sets, save and restore cursor.
 *
 * Left out (counted by kind, see DROPPED_KINDS):
 *   - every OSC: clipboard writes (52), window and icon titles (0, 1, 2), the working directory (7),
 *     hyperlinks (8), notifications (9, 777), colour changes (4, 10-19, 104…), iTerm2's 1337 (files)…;
 *   - DCS (DECRQSS, XTGETTCAP, user-defined keys, sixel, tmux pass-through), APC, PM and SOS strings;
 *   - requests the terminal answers by typing into the auditor's input: device status and cursor
 *     position (CSI n), device attributes (CSI c, ESC Z), DECREQTPARM, DECRQM, ENQ, kitty's queries…;
 *   - what changes the terminal's input: mouse and focus reporting, bracketed paste, application cursor
 *     keys and keypad, modifyOtherKeys, the kitty keyboard protocol, the keyboard lock;
 *   - window operations (CSI t: resize, move, iconify, title stack; 132 columns);
 *   - everything else that outlasts the replay or is unknown: erasing the scrollback (CSI 3 J), tab stops,
 *     8-bit controls and charset encodings, the printer, keyboard LEDs, DECSTR-like resets of other kinds.
 *   A full reset (ESC c, which some terminals let clear the scrollback) becomes what it shows: the modes
 *   the replay changed undone, then a cleared screen.
 *
 * C1 controls (U+0080-U+009F, which some terminals obey) are read as their ESC equivalents and written
 * in 7-bit form when kept; bytes that are not UTF-8 (overlong forms too) become U+FFFD. A sequence or a
 * character split across writes is held until it is complete, so each `write` returns only whole pieces.
 * `end` returns what undoes the modes the replay changed (see restoreSequence) and forgets anything
 * incomplete.
 *
 * Pure: bytes in, bytes out, no I/O.
 */

export const DROPPED_KINDS = {
  clipboard: 'clipboard writes (OSC 52)',
  title: 'window title changes (OSC 0/1/2)',
  osc: 'other OSC sequences (hyperlinks, notifications, directory, colours…)',
  dcs: 'device control strings (DCS: DECRQSS, XTGETTCAP, keys, graphics…)',
  apc: 'APC, PM and SOS strings',
  report: 'requests the terminal would answer (CSI 6n, CSI c, DECRQM, ENQ…)',
  input: 'input mode changes (mouse, focus, bracketed paste, keypad, keyboard protocols)',
  window: 'window operations (CSI t, 132 columns)',
  other: 'other sequences (scrollback erase, tab stops, encodings, printer…)',
} as const;

export type DroppedKind = keyof typeof DROPPED_KINDS;

// Parser states (a subset of Paul Williams' DEC VT500 parser, which xterm and VTE follow).
const GROUND = 0;
const ESCAPE = 1;
const CSI = 2;
const CSI_IGNORE = 3;
const STRING = 4;
const STRING_ESCAPE = 5;

const ESC = 0x1b;
const REPLACEMENT = 0xfffd;
/** Longer CSI parameter strings are ignored (a terminal would cap them too); SGR needs far fewer. */
const MAX_CSI_LENGTH = 256;
const MAX_ESCAPE_INTERMEDIATES = 4;

/** C0 controls written as they are: BEL BS HT LF VT FF CR SO SI. */
const KEPT_C0 = new Set([0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f]);
const ENQ = 0x05;
const SO = 0x0e;
const SI = 0x0f;

/** ESC final bytes kept (no intermediates): DECSC, DECRC, IND, NEL, RI. */
const KEPT_ESC_FINALS = new Set(['7', '8', 'D', 'E', 'M']);
/** Plain CSI finals kept with numeric parameters: cursor movement, insert/delete, erase chars, scroll. */
const KEPT_CSI_FINALS = new Set([...'@ABCDEFGHILMPSXZ^`abdef']);
/** DEC private modes kept: reverse video, origin, autowrap, cursor, alternate screens, save cursor. */
const KEPT_DEC_MODES = new Set([5, 6, 7, 25, 47, 1047, 1048, 1049]);
/** DEC private modes that change what the terminal sends (dropped as `input`). */
const INPUT_DEC_MODES = new Set([
  1, 9, 66, 67, 1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1015, 1016, 1034, 1035, 1036, 1037, 1039,
  1050, 1051, 1052, 1053, 1060, 1061, 2004,
]);
/** ANSI modes kept: insert (IRM) and automatic newline (LNM). KAM (2) and SRM (12) change input. */
const KEPT_ANSI_MODES = new Set([4, 20]);
const INPUT_ANSI_MODES = new Set([2, 12]);

export class ReplayFilter {
  private state = GROUND;
  // UTF-8 decoding (the WHATWG decoder's bounds, so overlong forms and surrogates are refused).
  private needed = 0;
  private codePoint = 0;
  private lower = 0x80;
  private upper = 0xbf;
  // The sequence being read.
  private intermediates = '';
  private params = '';
  private stringKind: 'osc' | 'dcs' | 'apc' = 'osc';
  private oscNumber = '';
  private oscNumberDone = false;
  // What the replay changed, to undo at the end.
  private readonly decModes = new Map<number, boolean>();
  private readonly ansiModes = new Map<number, boolean>();
  private scrollRegion = false;
  private cursorStyle = false;
  private g0Changed = false;
  private shiftedOut = false;

  private readonly counts = new Map<DroppedKind, number>();
  private readonly out = new ByteSink();

  /** The bytes to write for this piece of the session's output: what is safe of what is complete. */
  write(chunk: Uint8Array): Uint8Array {
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]!;
      if (this.needed > 0) {
        if (byte >= this.lower && byte <= this.upper) {
          this.lower = 0x80;
          this.upper = 0xbf;
          this.codePoint = (this.codePoint << 6) | (byte & 0x3f);
          if (--this.needed === 0) this.take(this.codePoint);
          continue;
        }
        // A sequence cut short: U+FFFD for it, and this byte starts afresh.
        this.needed = 0;
        this.lower = 0x80;
        this.upper = 0xbf;
        this.take(REPLACEMENT);
      }
      if (byte < 0x80) this.take(byte);
      else if (byte >= 0xc2 && byte <= 0xdf) this.begin(1, byte & 0x1f);
      else if (byte >= 0xe0 && byte <= 0xef) {
        if (byte === 0xe0) this.lower = 0xa0;
        if (byte === 0xed) this.upper = 0x9f;
        this.begin(2, byte & 0x0f);
      } else if (byte >= 0xf0 && byte <= 0xf4) {
        if (byte === 0xf0) this.lower = 0x90;
        if (byte === 0xf4) this.upper = 0x8f;
        this.begin(3, byte & 0x07);
      } else this.take(REPLACEMENT);
    }
    return this.out.take();
  }

  /**
   * What to write when the replay ends, finished or stopped: what undoes the modes it changed. Anything
   * incomplete (a sequence or a character cut off) is forgotten; a string cut off counts as dropped.
   */
  end(): Uint8Array {
    if (this.state === STRING || this.state === STRING_ESCAPE) this.endString();
    this.state = GROUND;
    this.needed = 0;
    this.lower = 0x80;
    this.upper = 0xbf;
    this.out.ascii(this.restoreSequence());
    return this.out.take();
  }

  /** How many sequences of each kind were left out so far. */
  dropped(): ReadonlyMap<DroppedKind, number> {
    return this.counts;
  }

  /**
   * Undoes what the replay changed, then resets colours and attributes: origin mode and the scroll region
   * first (they move the cursor home, so it then goes to the bottom line unless leaving the alternate
   * screen puts it back), the alternate screens, autowrap, reverse video, insert and newline modes, the
   * cursor's visibility and style, the character sets, and last `ESC [ 0 m`.
   */
  private restoreSequence(): string {
    let out = '';
    if (this.decModes.get(6) === true) out += '\x1b[?6l';
    if (this.scrollRegion) out += '\x1b[r';
    const homed = out !== '';
    let leftAlternate = false;
    for (const mode of [1049, 1047, 47]) {
      if (this.decModes.get(mode) === true) {
        out += `\x1b[?${mode}l`;
        leftAlternate = true;
      }
    }
    if (homed && !leftAlternate) out += '\x1b[999;1H';
    if (this.decModes.get(7) === false) out += '\x1b[?7h';
    if (this.decModes.get(5) === true) out += '\x1b[?5l';
    for (const mode of KEPT_ANSI_MODES) if (this.ansiModes.get(mode) === true) out += `\x1b[${mode}l`;
    if (this.decModes.get(25) === false) out += '\x1b[?25h';
    if (this.cursorStyle) out += '\x1b[0 q';
    if (this.g0Changed) out += '\x1b(B';
    if (this.shiftedOut) out += '\x0f';
    return `${out}\x1b[0m`;
  }

  private forgetChanges(): void {
    this.decModes.clear();
    this.ansiModes.clear();
    this.scrollRegion = false;
    this.cursorStyle = false;
    this.g0Changed = false;
    this.shiftedOut = false;
  }

  private begin(needed: number, bits: number): void {
    this.needed = needed;
    this.codePoint = bits;
  }

  private drop(kind: DroppedKind): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
  }

  /** One decoded code point (or U+FFFD) through the parser. */
  private take(c: number): void {
    if (c === ESC) {
      if (this.state === STRING) {
        this.state = STRING_ESCAPE;
        return;
      }
      if (this.state === STRING_ESCAPE) this.endString();
      this.startEscape();
      return;
    }
    if (c === 0x18 || c === 0x1a) {
      // CAN and SUB cancel the sequence being read.
      if (this.state === STRING || this.state === STRING_ESCAPE) this.endString();
      else if (this.state !== GROUND) this.drop('other');
      this.state = GROUND;
      return;
    }
    if (c >= 0x80 && c <= 0x9f) {
      // A C1 control: ST ends a string; the others are ESC and a 7-bit final.
      if (this.state === STRING || this.state === STRING_ESCAPE) {
        this.endString();
        if (c === 0x9c) return;
      } else if (this.state !== GROUND) this.drop('other');
      this.state = GROUND;
      if (c === 0x9c) return;
      this.startEscape();
      this.take(c - 0x40);
      return;
    }
    switch (this.state) {
      case GROUND:
        this.ground(c);
        return;
      case ESCAPE:
        this.escape(c);
        return;
      case CSI:
        this.csi(c);
        return;
      case CSI_IGNORE:
        if (c < 0x20) this.control(c);
        else if (c >= 0x40 && c <= 0x7e) {
          this.drop('other');
          this.state = GROUND;
        } else if (c > 0x7f) {
          this.drop('other');
          this.state = GROUND;
          this.ground(c);
        }
        return;
      case STRING:
        this.string(c);
        return;
      case STRING_ESCAPE:
        // ESC \ is ST; ESC and anything else ends the string and starts an escape sequence.
        this.endString();
        if (c === 0x5c) return;
        this.startEscape();
        this.take(c);
        return;
    }
  }

  private ground(c: number): void {
    if (c < 0x20) this.control(c);
    else if (c !== 0x7f) this.out.codePoint(c);
  }

  /** A C0 control, in text or inside a sequence (where terminals execute it too). */
  private control(c: number): void {
    if (KEPT_C0.has(c)) {
      if (c === SO) this.shiftedOut = true;
      if (c === SI) this.shiftedOut = false;
      this.out.byte(c);
    } else if (c === ENQ) this.drop('report');
  }

  private startEscape(): void {
    if (this.state === ESCAPE || this.state === CSI || this.state === CSI_IGNORE) this.drop('other');
    this.state = ESCAPE;
    this.intermediates = '';
  }

  private escape(c: number): void {
    if (c < 0x20) this.control(c);
    else if (c <= 0x2f) {
      if (this.intermediates.length < MAX_ESCAPE_INTERMEDIATES) this.intermediates += String.fromCharCode(c);
    } else if (c <= 0x7e) {
      this.state = GROUND;
      this.escapeDispatch(String.fromCharCode(c));
    } else if (c > 0x7f) {
      this.drop('other');
      this.state = GROUND;
      this.ground(c);
    }
  }

  private escapeDispatch(final: string): void {
    const intermediates = this.intermediates;
    if (intermediates === '') {
      switch (final) {
        case '[':
          this.state = CSI;
          this.params = '';
          this.intermediates = '';
          return;
        case ']':
          return this.startString('osc');
        case 'P':
          return this.startString('dcs');
        case 'X':
        case '^':
        case '_':
          return this.startString('apc');
        case 'c':
          // A full reset: what it shows, without what some terminals also do (clear the scrollback).
          this.out.ascii(`${this.restoreSequence()}\x1b[H\x1b[2J`);
          this.forgetChanges();
          return;
        case '=':
        case '>':
          return this.drop('input');
        case 'Z':
          return this.drop('report');
      }
      if (KEPT_ESC_FINALS.has(final)) this.out.ascii(`\x1b${final}`);
      else this.drop('other');
      return;
    }
    if ((intermediates === '(' || intermediates === ')') && 'AB0'.includes(final)) {
      if (intermediates === '(') this.g0Changed = final !== 'B';
      this.out.ascii(`\x1b${intermediates}${final}`);
    } else if (intermediates === '#' && '34568'.includes(final)) {
      this.out.ascii(`\x1b#${final}`);
    } else this.drop('other');
  }

  private csi(c: number): void {
    if (c < 0x20) this.control(c);
    else if (c <= 0x2f) {
      this.intermediates += String.fromCharCode(c);
      if (this.intermediates.length > MAX_ESCAPE_INTERMEDIATES) this.state = CSI_IGNORE;
    } else if (c <= 0x3f) {
      // Parameters after intermediates are malformed; so are parameter strings longer than any real one.
      if (this.intermediates !== '' || this.params.length >= MAX_CSI_LENGTH) this.state = CSI_IGNORE;
      else this.params += String.fromCharCode(c);
    } else if (c <= 0x7e) {
      this.state = GROUND;
      this.csiDispatch(String.fromCharCode(c));
    } else if (c > 0x7f) {
      this.drop('other');
      this.state = GROUND;
      this.ground(c);
    }
  }

  private csiDispatch(final: string): void {
    const first = this.params.charAt(0);
    const prefix = first !== '' && '<=>?'.includes(first) ? first : '';
    const params = this.params.slice(prefix.length);
    const intermediates = this.intermediates;
    if (!/^[0-9:;]*$/.test(params)) return this.drop('other');
    const numeric = !params.includes(':');
    const keep = () => this.out.ascii(`\x1b[${prefix}${params}${intermediates}${final}`);

    if (intermediates === '$' && final === 'p') return this.drop('report'); // DECRQM
    if (prefix === '' && intermediates === '') {
      if (KEPT_CSI_FINALS.has(final)) return numeric ? keep() : this.drop('other');
      switch (final) {
        case 'T': // SD; with several parameters it starts xterm's highlight mouse tracking.
          return numeric && !params.includes(';') ? keep() : this.drop('input');
        case 'J': // ED; 3 erases the scrollback, outside the replay.
        case 'K':
          return /^[012]?$/.test(params) ? keep() : this.drop('other');
        case 'm':
          return keep();
        case 'r':
          if (!numeric) return this.drop('other');
          this.scrollRegion = params !== '';
          return keep();
        case 's': // SCOSC and SCORC; with parameters, s is DECSLRM.
        case 'u':
          return params === '' ? keep() : this.drop('other');
        case 'h':
        case 'l':
          return this.modes(params, final, false);
        case 'n':
        case 'c':
        case 'x':
          return this.drop('report');
        case 't':
          return this.drop('window');
      }
      return this.drop('other');
    }
    if (prefix === '?' && intermediates === '') {
      switch (final) {
        case 'h':
        case 'l':
          return this.modes(params, final, true);
        case 'J': // DECSED, DECSEL
        case 'K':
          return /^[012]?$/.test(params) ? keep() : this.drop('other');
        case 'n':
        case 'u':
        case 'm':
          return this.drop('report');
      }
      return this.drop('other');
    }
    if (prefix === '' && intermediates === ' ' && final === 'q') {
      // DECSCUSR, the cursor's shape.
      if (!/^[0-6]?$/.test(params)) return this.drop('other');
      this.cursorStyle = params !== '' && params !== '0';
      return keep();
    }
    if (prefix === '' && intermediates === '!' && final === 'p') return keep(); // DECSTR, a soft reset
    if ((prefix === '>' || prefix === '=') && final === 'c') return this.drop('report'); // DA2, DA3
    if (prefix === '>' && final === 'q') return this.drop('report'); // XTVERSION
    if ((prefix === '>' || prefix === '=' || prefix === '<') && final === 'u') return this.drop('input');
    if (prefix === '>' && (final === 'm' || final === 'n')) return this.drop('input'); // modifyOtherKeys
    if (intermediates === '*' && final === 'y') return this.drop('report'); // DECRQCRA
    if (intermediates === '$' && (final === 'w' || final === 'u')) return this.drop('report');
    this.drop('other');
  }

  /** SM/RM (ANSI) or DECSET/DECRST (DEC private): the kept modes written, the others dropped. */
  private modes(params: string, final: string, dec: boolean): void {
    if (!/^[0-9;]*$/.test(params)) return this.drop('other');
    const set = final === 'h';
    const kept: number[] = [];
    for (const text of params.split(';')) {
      if (text === '') continue;
      const mode = Number(text);
      if (dec ? KEPT_DEC_MODES.has(mode) : KEPT_ANSI_MODES.has(mode)) {
        kept.push(mode);
        if (dec && mode !== 1048) this.decModes.set(mode, set);
        if (!dec) this.ansiModes.set(mode, set);
      } else if (dec ? INPUT_DEC_MODES.has(mode) : INPUT_ANSI_MODES.has(mode)) this.drop('input');
      else if (dec && mode === 3) this.drop('window');
      else this.drop('other');
    }
    if (kept.length > 0) this.out.ascii(`\x1b[${dec ? '?' : ''}${kept.join(';')}${final}`);
  }

  private startString(kind: 'osc' | 'dcs' | 'apc'): void {
    this.state = STRING;
    this.stringKind = kind;
    this.oscNumber = '';
    this.oscNumberDone = false;
  }

  private string(c: number): void {
    if (this.stringKind !== 'osc') return;
    if (c === 0x07) {
      // xterm ends an OSC with BEL as well as ST.
      this.endString();
      return;
    }
    if (this.oscNumberDone) return;
    if (c >= 0x30 && c <= 0x39 && this.oscNumber.length < 6) this.oscNumber += String.fromCharCode(c);
    else this.oscNumberDone = true;
  }

  private endString(): void {
    this.state = GROUND;
    if (this.stringKind === 'dcs') return this.drop('dcs');
    if (this.stringKind === 'apc') return this.drop('apc');
    if (this.oscNumber === '52') return this.drop('clipboard');
    if (this.oscNumber === '0' || this.oscNumber === '1' || this.oscNumber === '2') return this.drop('title');
    this.drop('osc');
  }
}

/** "clipboard writes (OSC 52): 2; …" as one line, or undefined when nothing was left out. */
export function describeDropped(counts: ReadonlyMap<DroppedKind, number>): string | undefined {
  const parts = (Object.keys(DROPPED_KINDS) as DroppedKind[])
    .filter((kind) => (counts.get(kind) ?? 0) > 0)
    .map((kind) => `${DROPPED_KINDS[kind]}: ${counts.get(kind)}`);
  return parts.length === 0 ? undefined : parts.join('; ');
}

/** A growing byte buffer; `take` hands over what was written and starts again. */
class ByteSink {
  private bytes = new Uint8Array(1024);
  private length = 0;

  byte(value: number): void {
    if (this.length === this.bytes.length) {
      const bigger = new Uint8Array(this.bytes.length * 2);
      bigger.set(this.bytes);
      this.bytes = bigger;
    }
    this.bytes[this.length++] = value;
  }

  /** 7-bit text (the sequences this module writes). */
  ascii(text: string): void {
    for (let i = 0; i < text.length; i++) this.byte(text.charCodeAt(i));
  }

  /** A code point as UTF-8. */
  codePoint(c: number): void {
    if (c < 0x80) this.byte(c);
    else if (c < 0x800) {
      this.byte(0xc0 | (c >> 6));
      this.byte(0x80 | (c & 0x3f));
    } else if (c < 0x10000) {
      this.byte(0xe0 | (c >> 12));
      this.byte(0x80 | ((c >> 6) & 0x3f));
      this.byte(0x80 | (c & 0x3f));
    } else {
      this.byte(0xf0 | (c >> 18));
      this.byte(0x80 | ((c >> 12) & 0x3f));
      this.byte(0x80 | ((c >> 6) & 0x3f));
      this.byte(0x80 | (c & 0x3f));
    }
  }

  take(): Uint8Array {
    const taken = this.bytes.slice(0, this.length);
    this.length = 0;
    return taken;
  }
}
