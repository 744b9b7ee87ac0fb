/**
 * Command capture for shells without Latchkey's integration (anything but bash and zsh): a headless
 * terminal emulator (@xterm/headless) follows the screen, and at each Enter the text from where the
 * prompt ended to the end of the (possibly wrapped) line is taken as the command. Full-screen programs
 * (the alternate screen: vim, less, top) are skipped. It knows no exit status or cwd, and a line edited
 * with history recall is read as shown, which is what ran.
 *
 * A line typed ahead (its first key came while an earlier line still waited for its echo: a paste, a
 * script, a fast typist) has no known place on the screen yet: it is taken from the keys themselves
 * (printable characters, with backspace applied), in order with the others.
 */
import xtermHeadless from '@xterm/headless';
import type { CommandRecord } from '@latchkey/shared/session-log/log-records';

const { Terminal } = xtermHeadless;

/** Output waiting for the emulator beyond which it is not fed (its own hard limit is 50 MB). */
export const MAX_UNPARSED_BYTES = 4 * 1024 * 1024;

/**
 * How long a session's end waits for the emulator at most: MAX_UNPARSED_BYTES takes it about 0.2 s on a
 * quiet machine, a few seconds on a loaded one.
 */
const FINISH_BOUND_MS = 10_000;

export class TerminalCommandTracker {
  private readonly terminal: InstanceType<typeof Terminal>;
  /** Where the prompt ended: the cursor when the first key of a line was typed. */
  private lineStart: { x: number; y: number } | null = null;
  private unparsed = 0;
  private skipped = false;
  /** The keys of a line typed ahead, or null. */
  private lineTyped: number[] | null = null;
  /** Enters whose line has not been read yet (queued, or waiting for the emulator). */
  private unread = 0;

  constructor(
    cols: number,
    rows: number,
    private readonly onCommand: (command: CommandRecord) => void,
  ) {
    this.terminal = new Terminal({ cols, rows, scrollback: 200, allowProposedApi: true });
  }

  output(bytes: Uint8Array): void {
    // The emulator parses far slower than a terminal can be fed (about 20 MB/s here) and throws past
    // 50 MB waiting: beyond MAX_UNPARSED_BYTES the screen is not followed (commands are then missed, the
    // output itself is still recorded) until the emulator has caught up.
    if (this.unparsed + bytes.length > MAX_UNPARSED_BYTES) {
      this.skipped = true;
      return;
    }
    this.unparsed += bytes.length;
    try {
      this.terminal.write(bytes, () => {
        this.unparsed -= bytes.length;
        this.capturePending(false);
      });
    } catch {
      this.unparsed -= bytes.length;
      this.skipped = true;
    }
  }

  /** True once output went past the emulator unparsed (a flood): the command list may miss some. */
  get missedOutput(): boolean {
    return this.skipped;
  }

  resize(cols: number, rows: number): void {
    this.terminal.resize(cols, rows);
  }

  input(bytes: Uint8Array, at: Date): void {
    for (const byte of bytes) {
      if (byte === 0x0d || byte === 0x0a) {
        const start = this.lineStart;
        const typed = this.lineTyped;
        this.lineStart = null;
        this.lineTyped = null;
        // The line is read once its echo (and the newline's) is on the screen.
        if (start !== null) {
          this.unread++;
          this.afterParsing(() => this.queueEnter({ start, at }));
        } else if (typed !== null) {
          this.unread++;
          const text = Buffer.from(typed).toString('utf8');
          this.afterParsing(() => this.queueEnter({ text, at }));
        }
      } else if (this.lineTyped !== null) {
        typeKey(this.lineTyped, byte);
      } else if (this.lineStart === null && this.unread > 0) {
        this.lineTyped = [];
        typeKey(this.lineTyped, byte);
      } else if (this.lineStart === null) {
        const start = { x: -1, y: -1 };
        this.lineStart = start;
        this.afterParsing(() => {
          const buffer = this.terminal.buffer.active;
          start.x = buffer.cursorX;
          start.y = buffer.baseY + buffer.cursorY;
        });
      }
    }
  }

  /**
   * The session ended: waits until the emulator has parsed everything written so far (the emulator
   * parses asynchronously, so the last line's Enter and its echo are often still queued when the shell
   * exits: `exit` itself was lost under load), then reads what is still waiting and frees the emulator.
   * Bounded, in case the emulator never answers: what it has parsed by then is read.
   */
  async finish(boundMs = FINISH_BOUND_MS): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => this.afterParsing(resolve)),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, boundMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
    this.dispose();
  }

  /** Reads what is still waiting for its echo as the screen shows it now, then frees the emulator. */
  dispose(): void {
    this.capturePending(true);
    this.terminal.dispose();
  }

  private readonly pending: PendingLine[] = [];

  private queueEnter(line: PendingLine): void {
    this.pending.push(line);
    this.capturePending(false);
  }

  /**
   * Reads each pending line whose echo has ended: the cursor has moved to a row below it that is not a
   * wrapped continuation of it. `all`: read them now whatever the screen shows (the session ended).
   */
  private capturePending(all: boolean): void {
    const buffer = this.terminal.buffer.active;
    while (this.pending.length > 0) {
      const line = this.pending[0]!;
      if ('text' in line) {
        this.pending.shift();
        this.unread--;
        const command = line.text.trim();
        if (command !== '') this.onCommand({ command, started_at: line.at.toISOString() });
        continue;
      }
      const { start, at } = line;
      const cursorRow = buffer.baseY + buffer.cursorY;
      // The command's rows: its first, and those that continue it (wrapped).
      let lastRow = start.y;
      while (lastRow < cursorRow && buffer.getLine(lastRow + 1)?.isWrapped === true) lastRow++;
      const moved = cursorRow > lastRow;
      if (!moved && !all) return;
      this.pending.shift();
      this.unread--;
      this.enter(start, at, lastRow);
    }
  }

  private enter(start: { x: number; y: number }, at: Date, lastRow: number): void {
    const buffer = this.terminal.buffer.active;
    if (start.y < 0 || buffer.type === 'alternate') return;
    let text = '';
    for (let row = start.y; row <= lastRow; row++) {
      const line = buffer.getLine(row);
      if (line === undefined) continue;
      text += line.translateToString(true, row === start.y ? start.x : 0);
    }
    const command = text.trim();
    if (command !== '') this.onCommand({ command, started_at: at.toISOString() });
  }

  /** Runs `action` once the emulator has parsed everything written so far. */
  private afterParsing(action: () => void): void {
    this.terminal.write('', action);
  }
}

type PendingLine = { start: { x: number; y: number }; at: Date } | { text: string; at: Date };

/** A key of a line typed ahead: printable bytes (UTF-8 included) kept, backspace removes a character. */
function typeKey(line: number[], byte: number): void {
  if (byte === 0x7f || byte === 0x08) {
    while (line.length > 0 && ((line.pop() as number) & 0xc0) === 0x80);
  } else if (byte >= 0x20 || byte === 0x09) {
    line.push(byte);
  }
}
