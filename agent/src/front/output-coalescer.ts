/**
 * Output on its way from sshd to the person's client, gathered into fewer, larger SSH packets.
 *
 * sshd hands a PTY's output over in pieces of about 1.3 KB, each its own packet; relayed one for one,
 * every piece costs the front a socket write, padding and an AEAD call, and the client as much again
 * (../shared/spec/front-prototype-notes.md: a plain relay reached 0.75-0.80 of direct throughput,
 * gathering 0.91-1.01). Contract:
 * - an isolated piece (a keystroke's echo, a prompt) goes out on the next turn of the event loop: no
 *   timer on its path;
 * - while output streams (the last write was under HOLD_MS ago), pieces are held up to HOLD_MS or until
 *   MAX_BYTES are gathered, then written as one;
 * - every byte goes out, in order; when the client's window or socket is full the source is paused until
 *   it drains, so a slow reader holds sshd, not our memory;
 * - each write is also handed to `tap` (the recording), in the same order and pieces.
 */
export interface CoalescerSink {
  /** false: full, wait for 'drain'. */
  write(bytes: Buffer): boolean;
  once(event: 'drain', listener: () => void): unknown;
}

export interface PausableSource {
  pause(): unknown;
  resume(): unknown;
}

export const HOLD_MS = 2;
export const MAX_BYTES = 32 * 1024;

export class OutputCoalescer {
  private pieces: Buffer[] = [];
  private bytes = 0;
  private scheduled: 'turn' | 'timer' | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastWriteAt = -Infinity;
  private blocked = false;

  constructor(
    private readonly sink: CoalescerSink,
    private readonly source: PausableSource,
    private readonly tap: (bytes: Buffer) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  push(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.pieces.push(bytes);
    this.bytes += bytes.length;
    if (this.bytes >= MAX_BYTES) {
      this.flush();
      return;
    }
    if (this.scheduled !== null) return;
    if (this.now() - this.lastWriteAt < HOLD_MS) {
      this.scheduled = 'timer';
      this.timer = setTimeout(() => this.flush(), HOLD_MS);
    } else {
      this.scheduled = 'turn';
      setImmediate(() => {
        if (this.scheduled === 'turn') this.flush();
      });
    }
  }

  /** Writes whatever is gathered now (also at the end of the stream). */
  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.scheduled = null;
    if (this.bytes === 0) return;
    const bytes = this.pieces.length === 1 ? this.pieces[0]! : Buffer.concat(this.pieces, this.bytes);
    this.pieces = [];
    this.bytes = 0;
    this.lastWriteAt = this.now();
    this.tap(bytes);
    if (!this.sink.write(bytes) && !this.blocked) {
      this.blocked = true;
      this.source.pause();
      this.sink.once('drain', () => {
        this.blocked = false;
        this.source.resume();
      });
    }
  }

  /** Stops any pending timer (the channel closed); what is gathered is written first. */
  close(): void {
    this.flush();
  }
}
