/**
 * Wakes agents' long polls (`GET /v1/agents/session_control`) when a session termination appears. The
 * database is the truth, so several server processes on one PostgreSQL work: while any poll waits, one
 * loop per process reads the highest termination id every `pollIntervalMs` (one query for all waiting
 * agents, however many), and a termination this process stores wakes the waiters at once (`notify`).
 * `close` (the server shutting down) ends every wait, so no poll holds the shutdown up.
 */

export type WaitOutcome = 'changed' | 'timeout' | 'aborted' | 'closed';

export interface TerminationFeedOptions {
  /** The highest termination id stored (Store.sessionTerminations.latestId). */
  latestId: () => Promise<number>;
  /** Default 500 ms. */
  pollIntervalMs?: number;
  /** Told about a failed read (the loop carries on). */
  onError?: (error: unknown) => void;
}

interface Waiter {
  seen: number;
  settle: (outcome: WaitOutcome) => void;
}

export class TerminationFeed {
  private readonly waiters = new Set<Waiter>();
  private readonly pollIntervalMs: number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(private readonly options: TerminationFeedOptions) {
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
  }

  /**
   * Resolves `changed` once a termination id above `seen` may exist, `timeout` after `timeoutMs`,
   * `aborted` when `signal` aborts (the client went away), `closed` when the feed is closed.
   */
  waitForNewerThan(seen: number, timeoutMs: number, signal?: AbortSignal): Promise<WaitOutcome> {
    if (this.closed) return Promise.resolve('closed');
    if (signal?.aborted === true) return Promise.resolve('aborted');
    return new Promise((resolve) => {
      const waiter: Waiter = {
        seen,
        settle: (outcome) => {
          if (!this.waiters.delete(waiter)) return;
          clearTimeout(timeout);
          signal?.removeEventListener('abort', onAbort);
          resolve(outcome);
        },
      };
      const onAbort = () => waiter.settle('aborted');
      const timeout = setTimeout(() => waiter.settle('timeout'), Math.max(0, timeoutMs));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(waiter);
      this.schedule();
    });
  }

  /** A termination was stored by this process (after its transaction committed): wake the waiters. */
  notify(id?: number): void {
    for (const waiter of [...this.waiters]) {
      if (id === undefined || id > waiter.seen) waiter.settle('changed');
    }
  }

  /** Ends every wait now and every later one at once. */
  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    for (const waiter of [...this.waiters]) waiter.settle('closed');
  }

  /** How many polls are waiting (for tests and metrics). */
  get waiting(): number {
    return this.waiters.size;
  }

  private schedule(): void {
    if (this.timer !== undefined || this.closed || this.waiters.size === 0) return;
    this.timer = setTimeout(() => void this.check(), this.pollIntervalMs);
    // A waiting poll keeps its own request (and so the process) alive; this loop need not.
    this.timer.unref?.();
  }

  private async check(): Promise<void> {
    try {
      const latest = await this.options.latestId();
      this.notify(latest);
    } catch (error) {
      this.options.onError?.(error);
    } finally {
      this.timer = undefined;
      this.schedule();
    }
  }
}
