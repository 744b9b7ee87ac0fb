/**
 * The user's keystrokes on their way to the program's PTY.
 *
 * Contract: every byte reaches the PTY, in order; while the PTY takes input, a chunk is written with one
 * non-blocking write() in the calling tick. When the PTY is full (a large paste into a program that does
 * not read), the rest is queued and retried every RETRY_MS until it is taken.
 *
 * Why not node-pty's write(): it goes through fs.write, a round trip via libuv's thread pool for every
 * keystroke; on a busy machine the wake-up of a pool thread is a visible part of the echo's latency.
 */
import { writeSync } from 'node:fs';
import type { IPty } from 'node-pty';

const RETRY_MS = 2;

export class PtyInput {
  private readonly fd: number | null;
  private queue: Buffer[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly pty: IPty) {
    // node-pty's UnixTerminal exposes its master descriptor (non-blocking); not in its typings.
    const fd = (pty as unknown as { fd?: unknown }).fd;
    this.fd = typeof fd === 'number' ? fd : null;
  }

  write(bytes: Buffer): void {
    if (bytes.length === 0) return;
    if (this.fd === null) {
      this.pty.write(bytes as unknown as string);
      return;
    }
    this.queue.push(bytes);
    if (this.queue.length === 1) this.writeQueued();
  }

  /** Drops what the PTY never took (the program is gone). */
  dispose(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.queue = [];
  }

  private writeQueued(): void {
    this.timer = null;
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      let written: number;
      try {
        written = writeSync(this.fd!, head);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') {
          // The PTY is closed (the program exited): nothing can take the input any more.
          this.queue = [];
          return;
        }
        written = 0;
      }
      if (written < head.length) {
        this.queue[0] = head.subarray(written);
        this.timer = setTimeout(() => this.writeQueued(), RETRY_MS);
        return;
      }
      this.queue.shift();
    }
  }
}
