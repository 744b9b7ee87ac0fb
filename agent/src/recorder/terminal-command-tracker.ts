/**
 * Command capture for shells without Latchkey's integration (anything but bash and zsh): a headless
 * terminal emulator (@xterm/headless) follows the screen, and at each Enter the text from where the
 * prompt ended to the end of the (possibly wrapped) line is taken as the command. Full-screen programs
 * (the alternate screen: vim, less, top) are skipped. It knows no exit status or cwd, and a line edited
 * with history recall is read as shown, which is what ran.
 */
import xtermHeadless from '@xterm/headless';
import type { CommandRecord } from '@latchkey/shared/session-log/log-records';

const { Terminal } = xtermHeadless;

export class TerminalCommandTracker {
  private readonly terminal: InstanceType<typeof Terminal>;
  /** Where the prompt ended: the cursor when the first key of a line was typed. */
  private lineStart: { x: number; y: number } | null = null;

  constructor(
    cols: number,
    rows: number,
    private readonly onCommand: (command: CommandRecord) => void,
  ) {
    this.terminal = new Terminal({ cols, rows, scrollback: 200, allowProposedApi: true });
  }

  output(bytes: Uint8Array): void {
    this.terminal.write(bytes, () => this.capturePending(false));
  }

  resize(cols: number, rows: number): void {
    this.terminal.resize(cols, rows);
  }

  input(bytes: Uint8Array, at: Date): void {
    for (const byte of bytes) {
      if (byte === 0x0d || byte === 0x0a) {
        const start = this.lineStart;
        this.lineStart = null;
        // The line is read once its echo (and the newline's) is on the screen: input typed ahead of the
        // echo (a paste, a fast typist, a script) would otherwise be read from an empty line.
        if (start !== null) this.afterParsing(() => this.queueEnter(start, at));
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

  /** Reads what is still waiting for its echo as the screen shows it now, then frees the emulator. */
  dispose(): void {
    this.capturePending(true);
    this.terminal.dispose();
  }

  private readonly pending: { start: { x: number; y: number }; at: Date }[] = [];

  private queueEnter(start: { x: number; y: number }, at: Date): void {
    this.pending.push({ start, at });
    this.capturePending(false);
  }

  /**
   * Reads each pending line whose echo has ended: the cursor has moved to a row below it that is not a
   * wrapped continuation of it. `all`: read them now whatever the screen shows (the session ended).
   */
  private capturePending(all: boolean): void {
    const buffer = this.terminal.buffer.active;
    while (this.pending.length > 0) {
      const { start, at } = this.pending[0]!;
      const cursorRow = buffer.baseY + buffer.cursorY;
      // The command's rows: its first, and those that continue it (wrapped).
      let lastRow = start.y;
      while (lastRow < cursorRow && buffer.getLine(lastRow + 1)?.isWrapped === true) lastRow++;
      const moved = cursorRow > lastRow;
      if (!moved && !all) return;
      this.pending.shift();
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
