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
    this.terminal.write(bytes);
  }

  resize(cols: number, rows: number): void {
    this.terminal.resize(cols, rows);
  }

  input(bytes: Uint8Array, at: Date): void {
    for (const byte of bytes) {
      if (byte === 0x0d || byte === 0x0a) {
        const start = this.lineStart;
        this.lineStart = null;
        this.afterParsing(() => this.enter(start, at));
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

  dispose(): void {
    this.terminal.dispose();
  }

  private enter(start: { x: number; y: number } | null, at: Date): void {
    const buffer = this.terminal.buffer.active;
    if (start === null || start.y < 0 || buffer.type === 'alternate') return;
    const cursorRow = buffer.baseY + buffer.cursorY;
    let text = '';
    for (let row = start.y; row <= cursorRow; row++) {
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
