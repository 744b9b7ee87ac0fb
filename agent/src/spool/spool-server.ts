/**
 * The agent's side of session recording: a unix socket that recorders (running as the logged-in users)
 * stream their sealed logs to, kept in a root-owned SpoolStore. The protocol is in
 * domain/recording/spool-protocol.ts.
 *
 * The socket is world-connectable (mode 0666, in a 0755 directory) because every user's recorder must
 * reach it; what a connection can do is limited to appending to the log it created (or resumes with that
 * log's token). The logs themselves stay in the 0700 spool directory.
 */
import { chmod, mkdir, rm } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { LatchkeyError } from '@latchkey/shared/errors/latchkey-error';
import {
  decodeFinishPayload,
  encodeJsonFrame,
  FRAME,
  FrameDecoder,
  PEER_PROOF_DIR,
  SPOOL_PROTOCOL_VERSION,
  type Frame,
  type HelloMessage,
} from '../domain/recording/spool-protocol.js';
import { preparePeerProofDir, provenUnixUser } from './peer-proof.js';
import { SpoolStore, type ChunkAppender } from './spool-store.js';

export interface RecordingSpoolOptions {
  readonly socketPath: string;
  readonly spoolDir: string;
  /** How long a connection may take to say HELLO. Default 10 s. */
  readonly helloTimeoutMs?: number;
  /** Told when a log is whole on disk (`complete`) or its recorder went away (`incomplete`): the uploader. */
  readonly onLogEnded?: (logId: string, status: 'complete' | 'incomplete') => void;
}

export interface RecordingSpool {
  readonly store: SpoolStore;
  readonly socketPath: string;
  /** Stops listening; open connections are closed and their logs marked incomplete. */
  close(): Promise<void>;
}

export async function startRecordingSpool(options: RecordingSpoolOptions): Promise<RecordingSpool> {
  const store = new SpoolStore(options.spoolDir);
  await store.init();
  // 0755 whatever the umask (systemd's UMask=0077): every user's recorder must reach the socket. A
  // directory that existed (e.g. /tmp for a test socket) is left as it is.
  if ((await mkdir(dirname(options.socketPath), { recursive: true, mode: 0o755 })) !== undefined) {
    await chmod(dirname(options.socketPath), 0o755);
  }
  if (await answers(options.socketPath)) {
    // Never take the socket from a running agent (a second daemon started by mistake).
    throw new LatchkeyError(
      'conflict',
      `another process already serves the recording spool at ${options.socketPath}; is a second latchkey-agent running?`,
    );
  }
  // A socket file left by an agent that died: nobody answers on it.
  await rm(options.socketPath, { force: true });
  const proofDir = join(dirname(options.socketPath), PEER_PROOF_DIR);
  await preparePeerProofDir(proofDir);

  const connections = new Set<SpoolConnection>();
  const server: Server = createServer((socket) => {
    const connection = new SpoolConnection(
      socket,
      store,
      proofDir,
      options.helloTimeoutMs ?? 10_000,
      options.onLogEnded ?? (() => {}),
    );
    connections.add(connection);
    void connection.done.finally(() => connections.delete(connection));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  await chmod(options.socketPath, 0o666);

  return {
    store,
    socketPath: options.socketPath,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const connection of connections) connection.socket.destroy();
      });
      await Promise.all([...connections].map((connection) => connection.done));
    },
  };
}

/** True when something accepts connections on the unix socket at `path`. */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

/** One recorder's connection: HELLO, then CHUNKS…, then FINISH, or a close that leaves the log incomplete. */
class SpoolConnection {
  readonly done: Promise<void>;
  private readonly decoder = new FrameDecoder();
  private logId: string | null = null;
  private appender: ChunkAppender | null = null;
  private finished = false;
  /** Frames are handled one at a time, in order. */
  private work: Promise<void> = Promise.resolve();
  private resolveDone!: () => void;

  constructor(
    readonly socket: Socket,
    private readonly store: SpoolStore,
    private readonly proofDir: string,
    helloTimeoutMs: number,
    private readonly onLogEnded: (logId: string, status: 'complete' | 'incomplete') => void,
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    const helloTimer = setTimeout(() => socket.destroy(), helloTimeoutMs);
    socket.on('data', (bytes) => {
      let frames: Frame[];
      try {
        frames = this.decoder.push(bytes);
      } catch (error) {
        this.refuse('bad_frame', error instanceof Error ? error.message : String(error));
        return;
      }
      for (const frame of frames) {
        if (frame.type === FRAME.hello) clearTimeout(helloTimer);
        this.work = this.work.then(() => this.handle(frame)).catch((error: unknown) => this.fail(error));
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(helloTimer);
      this.work = this.work.then(() => this.closed()).catch(() => {});
      void this.work.finally(() => this.resolveDone());
    });
  }

  private async handle(frame: Frame): Promise<void> {
    if (this.finished) return;
    switch (frame.type) {
      case FRAME.hello:
        return this.hello(JSON.parse(frame.payload.toString('utf8')) as HelloMessage);
      case FRAME.chunks:
        // Not copied: the payload is a view of bytes read from the socket (Node never reuses them),
        // kept until written.
        this.requireLog().append(frame.payload);
        return;
      case FRAME.finish: {
        const appender = this.requireLog();
        const { header, sealed } = decodeFinishPayload(frame.payload);
        appender.append(Buffer.from(sealed));
        await appender.flushed();
        await this.store.markComplete(this.logId!, header);
        this.finished = true;
        this.send(FRAME.finished, { log_id: this.logId, state: 'complete' });
        this.socket.end();
        this.onLogEnded(this.logId!, 'complete');
        return;
      }
      default:
        throw new LatchkeyError('invalid_argument', `unknown spool frame type ${frame.type}`);
    }
  }

  private async hello(hello: HelloMessage): Promise<void> {
    if (this.logId !== null) throw new LatchkeyError('invalid_argument', 'a second HELLO on one connection');
    if (hello.protocol !== SPOOL_PROTOCOL_VERSION) {
      throw new LatchkeyError(
        'invalid_argument',
        `spool protocol ${String(hello.protocol)} is not supported`,
      );
    }
    if (!/^[0-9a-f]{64}$/.test(hello.encapsulated_key) || !Number.isSafeInteger(hello.started_at)) {
      throw new LatchkeyError(
        'invalid_argument',
        'HELLO needs encapsulated_key (64 hex digits) and started_at',
      );
    }
    let token: string;
    let haveBytes = 0;
    if (hello.resume) {
      haveBytes = await this.store.resume(hello.resume.log_id, hello.resume.token);
      this.logId = hello.resume.log_id;
      token = hello.resume.token;
    } else {
      // The UNIX user from the proof's owner, when the recorder gave one (a wrong proof is refused).
      const proven =
        hello.uid_proof === undefined ? undefined : await provenUnixUser(this.proofDir, hello.uid_proof);
      const created = await this.store.create(hello, proven);
      this.logId = created.logId;
      token = created.token;
    }
    this.appender = await this.store.appender(this.logId);
    this.appender.onPersisted = (bytes) => this.send(FRAME.persisted, { bytes });
    this.send(FRAME.ready, { log_id: this.logId, token, have_bytes: haveBytes });
  }

  private requireLog(): ChunkAppender {
    if (this.appender === null) throw new LatchkeyError('invalid_argument', 'chunks before HELLO');
    return this.appender;
  }

  private async closed(): Promise<void> {
    if (this.appender) {
      await this.appender.close().catch(() => {});
    }
    if (this.logId !== null && !this.finished) {
      await this.store.markIncomplete(
        this.logId,
        'the recorder connection closed before the end of the session (recorder killed, or the connection was lost)',
      );
      this.onLogEnded(this.logId, 'incomplete');
    }
  }

  private fail(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    const code = /ENOSPC/.test(message)
      ? 'spool_full'
      : error instanceof LatchkeyError
        ? error.code
        : 'spool_error';
    this.refuse(code, message);
  }

  private refuse(code: string, message: string): void {
    this.send(FRAME.refused, { code, message });
    this.socket.end();
  }

  private send(type: number, value: unknown): void {
    if (!this.socket.destroyed && this.socket.writable) this.socket.write(encodeJsonFrame(type, value));
  }
}
