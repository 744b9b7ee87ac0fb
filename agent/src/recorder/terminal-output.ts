/**
 * The program's output on its way to the user's terminal (the PTY sshd gave us).
 *
 * Contract:
 * - Every byte is written, in order, and a chunk is written as soon as it arrives while the terminal
 *   keeps up: no added delay for a keystroke's echo or a prompt.
 * - When the terminal cannot keep up (its write queue is full), reading the program's PTY is held until
 *   it has drained, so the program waits, not our memory; the few chunks that still arrive meanwhile are
 *   gathered and written with one write once it has drained.
 * - end() resolves once the terminal has taken everything (or is gone).
 *
 * Why gather only then, not on a timer: measured (docs/benchmarks.md), gathering streaming output for a
 * millisecond cut the writes but not the recorder's CPU, which goes to reading the PTY's small pieces,
 * and it would put a timer on the path of every echo.
 */

export interface OutputTerminal {
  /** false: the terminal's queue is full, wait for 'drain'. */
  write(bytes: Uint8Array | string, callback?: () => void): boolean;
  once(event: 'drain' | 'close', listener: () => void): unknown;
  /** The terminal is gone (hung up): nothing more can be written. */
  readonly destroyed: boolean;
}

/** Holds and releases reading the program's PTY; held while any reason holds it. */
export interface OutputSource {
  hold(reason: string): void;
  release(reason: string): void;
}

export class TerminalOutput {
  private gathered: Buffer[] = [];
  private gatheredBytes = 0;
  private draining = false;

  constructor(
    private readonly terminal: OutputTerminal,
    private readonly source: OutputSource,
  ) {}

  write(bytes: Buffer): void {
    if (bytes.length === 0) return;
    if (!this.draining) {
      this.writeOut(bytes);
      return;
    }
    this.gathered.push(bytes);
    this.gatheredBytes += bytes.length;
  }

  /** Writes everything gathered and resolves once the terminal has taken all of it (the session ended). */
  async end(): Promise<void> {
    this.flush();
    while ((this.draining || this.gatheredBytes > 0) && !this.terminal.destroyed) {
      await new Promise<void>((resolve) => {
        this.terminal.once('drain', () => setImmediate(resolve));
        this.terminal.once('close', resolve);
      });
      this.flush();
    }
    if (this.terminal.destroyed) return;
    await new Promise<void>((resolve) => this.terminal.write('', () => resolve()));
  }

  /** Writes what was gathered while the terminal drained. */
  private flush(): void {
    if (this.gatheredBytes === 0 || this.draining) return;
    const bytes = this.gathered.length === 1 ? this.gathered[0]! : Buffer.concat(this.gathered);
    this.gathered = [];
    this.gatheredBytes = 0;
    this.writeOut(bytes);
  }

  private writeOut(bytes: Buffer): void {
    if (this.terminal.write(bytes)) return;
    // The user's terminal is slower than the program: hold the program until it catches up.
    this.draining = true;
    this.source.hold('terminal');
    this.terminal.once('drain', () => {
      this.draining = false;
      this.source.release('terminal');
      this.flush();
    });
  }
}
