/**
 * What to write to a terminal after replaying someone's session into it, stopped at any point (Ctrl-C):
 * the replay may have switched to the alternate screen, hidden the cursor, turned on mouse reporting or
 * bracketed paste, or left colours on. TerminalModeTracker watches the DEC private modes set and reset by
 * `ESC [ ? Pm h` / `ESC [ ? Pm l` in the replayed bytes (a sequence may be split across writes) and
 * restoreSequence() undoes the ones still set, then resets colours and attributes.
 */

/** Modes worth undoing, with their "off" value: alternate screens, cursor, mouse, paste, keys. */
const TRACKED_MODES = new Set([1, 25, 47, 1000, 1002, 1003, 1004, 1005, 1006, 1015, 1047, 1049, 2004]);
/** Modes whose default is on (set = normal). */
const DEFAULT_ON = new Set([25]);
// eslint-disable-next-line no-control-regex -- matching terminal escape sequences is the point
const PRIVATE_MODE = /\x1b\[\?([\d;]+)([hl])/g;
/** Longest tail kept between writes to catch a sequence split across them. */
const CARRY = 32;

export class TerminalModeTracker {
  private readonly modes = new Map<number, boolean>();
  private carry = '';

  observe(bytes: Uint8Array): void {
    const text = this.carry + Buffer.from(bytes).toString('latin1');
    let consumed = 0;
    for (const match of text.matchAll(PRIVATE_MODE)) {
      for (const mode of match[1]!.split(';').map(Number)) {
        if (TRACKED_MODES.has(mode)) this.modes.set(mode, match[2] === 'h');
      }
      consumed = match.index! + match[0].length;
    }
    const tail = text.slice(Math.max(consumed, text.length - CARRY));
    const escape = tail.lastIndexOf('\x1b');
    this.carry = escape === -1 ? '' : tail.slice(escape);
  }

  /** Undo what the replay left on, then reset attributes: `ESC [ 0 m`. */
  restoreSequence(): string {
    let out = '';
    for (const [mode, set] of this.modes) {
      const normal = DEFAULT_ON.has(mode);
      if (set !== normal) out += `\x1b[?${mode}${normal ? 'h' : 'l'}`;
    }
    return `${out}\x1b[0m`;
  }
}
