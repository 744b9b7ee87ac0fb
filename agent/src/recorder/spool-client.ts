/**
 * The recorder's connection to the agent's spool (protocol: domain/recording/spool-protocol.ts).
 *
 * Sealed bytes are kept until the spool reports them persisted (fsynced), so a lost connection loses
 * nothing: the client reconnects with the log's resume token and sends again from what the spool has.
 * While no spool is reachable the backlog grows in memory up to `maxBacklogBytes`; past that
 * `overflowing` is true and the recorder stops adding session data (and says so in the log).
 */
import { connect, type Socket } from 'node:net';
import {
  encodeFinishPayload,
  encodeFrame,
  encodeFrameHead,
  encodeJsonFrame,
  FRAME,
  FrameDecoder,
  type HelloMessage,
  type ReadyMessage,
} from '../domain/recording/spool-protocol.js';

export interface SpoolClientOptions {
  readonly socketPath: string;
  readonly hello: HelloMessage;
  readonly maxBacklogBytes?: number;
}

type FinishResult = { ok: true; logId: string } | { ok: false; reason: string };

export class SpoolClient {
  /** Sealed bytes not yet persisted, from offset `backlogStart` of the log's chunks. */
  private backlog: Buffer[] = [];
  private backlogStart = 0;
  private backlogBytes = 0;
  private socket: Socket | null = null;
  private ready: ReadyMessage | null = null;
  private resume: { log_id: string; token: string } | undefined;
  private finishPayload: Buffer | null = null;
  private finishWaiters: ((result: FinishResult) => void)[] = [];
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private reconnectDelayMs = 100;
  private readonly maxBacklogBytes: number;
  /** The last reason the spool was not reachable. */
  lastTrouble: string | null = null;
  /** Called when the connection is lost or refused (the client keeps trying unless closed). */
  onTrouble: (reason: string) => void = () => {};

  constructor(private readonly options: SpoolClientOptions) {
    this.maxBacklogBytes = options.maxBacklogBytes ?? 64 * 1024 * 1024;
  }

  /** Connects and waits for READY; resolves false (and keeps retrying in the background) on failure. */
  async start(timeoutMs: number): Promise<boolean> {
    const ready = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.onReadyOnce = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.onFailOnce = () => {
        clearTimeout(timer);
        resolve(false);
      };
    });
    this.open();
    return ready;
  }

  get connected(): boolean {
    return this.ready !== null;
  }

  get logId(): string | undefined {
    return this.ready?.log_id ?? this.resume?.log_id;
  }

  /** True while the backlog is over its bound: the recorder should stop adding session data. */
  get overflowing(): boolean {
    return this.backlogBytes > this.maxBacklogBytes;
  }

  /** Bytes queued in the socket (backpressure for the session's output). */
  get writableLength(): number {
    return this.socket?.writableLength ?? 0;
  }

  onDrain(listener: () => void): void {
    if (this.socket && this.ready) this.socket.once('drain', listener);
    else setImmediate(listener);
  }

  /**
   * Sends sealed bytes given in pieces (SessionLogWriter.takeSealedPieces()) as one CHUNKS frame, written
   * with one writev: the pieces are kept as they are, not copied into one buffer.
   */
  sendPieces(pieces: readonly Uint8Array[]): void {
    let bytes = 0;
    for (const piece of pieces) bytes += piece.length;
    if (bytes === 0) return;
    const buffers = pieces.map(asBuffer);
    for (const buffer of buffers) this.backlog.push(buffer);
    this.backlogBytes += bytes;
    const socket = this.socket;
    if (!socket || !this.ready) return;
    socket.cork();
    socket.write(encodeFrameHead(FRAME.chunks, bytes));
    for (const buffer of buffers) if (buffer.length > 0) socket.write(buffer);
    socket.uncork();
  }

  /**
   * Sends the header and the last chunks and waits until the spool says the log is complete, or until
   * `timeoutMs` (then the log stays incomplete in the spool, or is lost when no spool was ever reached).
   */
  finish(header: Uint8Array, sealed: Uint8Array, timeoutMs: number): Promise<FinishResult> {
    this.finishPayload = encodeFinishPayload(header, sealed);
    const result = new Promise<FinishResult>((resolve) => {
      const timer = setTimeout(
        () => resolve({ ok: false, reason: this.lastTrouble ?? 'the spool did not confirm the log in time' }),
        timeoutMs,
      );
      this.finishWaiters.push((value) => {
        clearTimeout(timer);
        resolve(value);
      });
    });
    if (this.socket && this.ready) this.socket.write(encodeFrame(FRAME.finish, this.finishPayload));
    return result;
  }

  close(): void {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.socket?.destroy();
  }

  private onReadyOnce: (() => void) | null = null;
  private onFailOnce: (() => void) | null = null;

  private open(): void {
    if (this.closed) return;
    const socket = connect(this.options.socketPath);
    const decoder = new FrameDecoder();
    this.socket = socket;
    socket.on('connect', () => {
      socket.write(
        encodeJsonFrame(FRAME.hello, {
          ...this.options.hello,
          ...(this.resume ? { resume: this.resume } : {}),
        }),
      );
    });
    socket.on('data', (bytes) => {
      try {
        for (const frame of decoder.push(bytes)) this.onFrame(socket, frame.type, frame.payload);
      } catch (error) {
        this.trouble(`the spool sent a bad frame: ${String(error)}`);
        socket.destroy();
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.trouble(
        `cannot reach the agent's log spool at ${this.options.socketPath} (${error.code ?? error.message})`,
      );
    });
    socket.on('close', () => {
      if (this.socket === socket) {
        this.socket = null;
        this.ready = null;
      }
      if (this.lastTrouble === null) this.trouble("the connection to the agent's log spool closed");
      this.fail();
      this.scheduleReconnect();
    });
  }

  private onFrame(socket: Socket, type: number, payload: Buffer): void {
    const message =
      payload.length > 0 ? (JSON.parse(payload.toString('utf8')) as Record<string, unknown>) : {};
    switch (type) {
      case FRAME.ready: {
        const ready = message as unknown as ReadyMessage;
        this.ready = ready;
        this.resume = { log_id: ready.log_id, token: ready.token };
        this.lastTrouble = null;
        this.reconnectDelayMs = 100;
        this.acknowledge(ready.have_bytes);
        // Whatever the spool does not have yet, in order, then FINISH if the session already ended.
        const skip = Math.max(0, ready.have_bytes - this.backlogStart);
        const pending = Buffer.concat(this.backlog).subarray(skip);
        if (pending.length > 0) socket.write(encodeFrame(FRAME.chunks, pending));
        if (this.finishPayload) socket.write(encodeFrame(FRAME.finish, this.finishPayload));
        this.onReadyOnce?.();
        this.onReadyOnce = null;
        this.onFailOnce = null;
        return;
      }
      case FRAME.persisted:
        this.acknowledge(Number(message.bytes));
        return;
      case FRAME.finished:
        this.closed = true;
        for (const waiter of this.finishWaiters.splice(0))
          waiter({ ok: true, logId: String(message.log_id) });
        return;
      case FRAME.refused:
        this.trouble(`the agent's log spool refused the log: ${String(message.message)}`);
        return;
    }
  }

  /** Drops what the spool has persisted from the backlog. */
  private acknowledge(persisted: number): void {
    while (this.backlog.length > 0 && this.backlogStart + this.backlog[0]!.length <= persisted) {
      const first = this.backlog.shift()!;
      this.backlogStart += first.length;
      this.backlogBytes -= first.length;
    }
  }

  private trouble(reason: string): void {
    this.lastTrouble = reason;
    this.onTrouble(reason);
  }

  private fail(): void {
    this.onFailOnce?.();
    this.onFailOnce = null;
    this.onReadyOnce = null;
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.open();
    }, this.reconnectDelayMs);
    this.reconnectTimer.unref();
    this.reconnectDelayMs = Math.min(this.reconnectDelayMs * 2, 2000);
  }
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
