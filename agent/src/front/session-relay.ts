/**
 * One session channel through the front: the person's channel (outer) relayed to a channel the front
 * opens on the local sshd (inner), and recorded on the way (DESIGN.md flow 6).
 *
 * What is recorded, whatever runs on the target: the terminal's output and the person's input with the
 * PTY size and each resize; for exec and subsystem channels the command line or subsystem name as the
 * client asked for it (in the log's identity, and as a command record), every byte each way, and a
 * transfer record for scp, rsync and sftp. Commands typed in a terminal are reconstructed from the screen
 * (source `terminal`). The person's rc files, PATH and environment run only after this point, inside sshd's
 * session: they can change what runs, not what the front sees.
 */
import type { ClientChannel, PseudoTtyInfo, ServerChannel, Session } from 'ssh2';
import type { PtyMetadata } from '@latchkey/shared/session-log/log-metadata';
import type { SessionIdentity } from '@latchkey/shared/session-log/log-records';
import type { SshCertificate } from '@latchkey/shared/ssh/certificate';
import { permits } from '../domain/front/inner-certificate.js';
import { classifyExactTransfer } from '../domain/front/exact-transfer.js';
import type { RecordingSink } from './recording-sink.js';
import { NO_RECORDING } from './recording-sink.js';
import type { SessionRecording } from './session-recording.js';
import { TerminalCommandTracker } from './terminal-command-tracker.js';
import type { FrontSessionReport } from '../app/ports/front-sessions.js';
import type { FrontRecordingDeps } from './front-session-log.js';
import type { ForwardedAgent } from './forwarded-agent.js';
import { startSessionLog } from './front-session-log.js';
import type { InnerSshdConnection, PtyRequest } from './inner-sshd.js';
import { OutputCoalescer } from './output-coalescer.js';

export interface SessionContext {
  readonly inner: InnerSshdConnection;
  readonly certificate: SshCertificate;
  readonly person: string;
  readonly sessionId: string;
  readonly username: string;
  readonly targetId: string;
  readonly targetHostname: string | undefined;
  readonly clientAddress: string;
  readonly serverAddress: string;
  readonly recording: FrontRecordingDeps;
  /** The person's agent through the front; used by sessions that ask and whose certificate permits. */
  readonly agent: ForwardedAgent;
  readonly log: (line: string) => void;
  /** The live-session registry: called when the program starts and when the channel closes. */
  readonly onStart: (live: LiveSession) => () => void;
}

export type LiveSession = FrontSessionReport;

/** Bound on the session's log writes waiting for the disk before the program's output is held. */
const SPOOL_BACKPRESSURE_BYTES = 8 * 1024 * 1024;
/** Environment variables passed to sshd (which still applies its own AcceptEnv). */
const PASSED_ENV = /^(LANG|LC_[A-Z_]+|TERM|COLORTERM|TZ)$/;

export function relaySession(session: Session, context: SessionContext): void {
  let pty: PseudoTtyInfo | undefined;
  const env: Record<string, string> = {};
  let started: ActiveSession | undefined;
  let agentForward = false;
  // Requests before the program starts: remembered, and sent with the inner channel.
  session.on('pty', (accept, reject, info) => {
    if (!permits(context.certificate, 'pty')) return reject?.();
    pty = info;
    accept?.();
  });
  session.on('env', (accept, reject, info) => {
    if (PASSED_ENV.test(info.key) && typeof info.val === 'string') {
      env[info.key] = info.val;
      accept?.();
    } else reject?.();
  });
  session.on('window-change', (accept, _reject, info) => {
    if (pty !== undefined) pty = { ...pty, cols: info.cols, rows: info.rows };
    started?.resize(info.cols, info.rows, info.width, info.height);
    accept?.();
  });
  session.on('signal', (accept, _reject, info) => {
    started?.signal(info.name);
    accept?.();
  });
  session.on('auth-agent', (accept, reject) => {
    if (!permits(context.certificate, 'agent-forwarding')) return reject?.();
    agentForward = true;
    accept?.();
  });
  // X11 is not relayed: refused, which the client reports and goes on without.
  session.on('x11', (_accept, reject) => reject?.());
  // ssh2 loses a client's end of input that arrives before accept(): accept at once, relay once ready.
  session.on('shell', (accept) => {
    started = new ActiveSession(accept(), context, 'shell', undefined, pty, env, agentForward);
  });
  session.on('exec', (accept, _reject, info) => {
    started = new ActiveSession(accept(), context, 'exec', info.command, pty, env, agentForward);
  });
  session.on('subsystem', (accept, _reject, info) => {
    started = new ActiveSession(accept(), context, 'subsystem', info.name, pty, env, false);
  });
}

class ActiveSession {
  private inner: ClientChannel | undefined;
  private recording: RecordingSink = NO_RECORDING;
  private sessionRecording: SessionRecording | undefined;
  private tracker: TerminalCommandTracker | undefined;
  private exit: { code?: number; signal?: string; coreDumped?: boolean; message?: string } = {};
  private bytesFromClient = 0;
  private bytesToClient = 0;
  private finished = false;
  private unregister: (() => void) | undefined;
  private outerClosed = false;
  private readonly transfer;
  private readonly agentBytesAtStart: { fromClient: number; toClient: number };

  constructor(
    private readonly outer: ServerChannel,
    private readonly context: SessionContext,
    private readonly program: 'shell' | 'exec' | 'subsystem',
    private readonly command: string | undefined,
    private pty: PseudoTtyInfo | undefined,
    private readonly env: Record<string, string>,
    private readonly agentForward: boolean,
  ) {
    this.agentBytesAtStart = {
      fromClient: context.agent.bytesFromClient,
      toClient: context.agent.bytesToClient,
    };
    this.transfer =
      program === 'subsystem' && command === 'sftp'
        ? ({ program: 'sftp-server', direction: 'both' } as const)
        : program === 'exec' && command !== undefined
          ? classifyExactTransfer(command)
          : null;
    outer.on('error', () => undefined);
    outer.stderr.on('error', () => undefined);
    // The client may close the channel before the program starts: then nothing starts.
    outer.once('close', () => {
      this.outerClosed = true;
      if (!this.finished) this.inner?.close();
    });
    outer.pause();
    void this.start().catch((error: unknown) => this.fail(`latchkey: ${(error as Error).message}`));
  }

  private async start(): Promise<void> {
    const { context } = this;
    const ptyMetadata: PtyMetadata | null =
      this.pty === undefined
        ? null
        : { term: this.pty.term ?? null, width: this.pty.cols, height: this.pty.rows, modes: [] };
    const log = await startSessionLog(context.recording, {
      identity: this.identity(),
      pty: ptyMetadata,
      unixUser: context.username,
    });
    if (log.kind === 'refused') {
      context.log(`session ${context.sessionId} of ${context.person} refused: ${log.message}`);
      this.fail(log.message);
      return;
    }
    if (log.kind === 'recording') {
      this.sessionRecording = log.recording;
      this.recording = log.recording;
    } else if (log.notice !== undefined) {
      this.outer.stderr.write(`${log.notice}\r\n`);
    }
    if (this.program === 'exec' && this.command !== undefined) {
      this.recording.command({ command: this.command, source: 'exec' });
    }
    if (this.pty !== undefined && this.program === 'shell' && this.sessionRecording !== undefined) {
      const recording = this.recording;
      this.tracker = new TerminalCommandTracker(this.pty.cols, this.pty.rows, (command) =>
        recording.command({ ...command, source: 'terminal' }),
      );
    }
    const request: {
      command?: string;
      pty?: PtyRequest;
      env: Record<string, string>;
      agentForward?: boolean;
    } = { env: this.env, ...(this.agentForward ? { agentForward: true } : {}) };
    if (this.command !== undefined) request.command = this.command;
    if (this.pty !== undefined) {
      request.pty = {
        term: this.pty.term ?? 'xterm',
        cols: this.pty.cols,
        rows: this.pty.rows,
        width: this.pty.width,
        height: this.pty.height,
        ...(this.pty.modes === undefined ? {} : { modes: this.pty.modes as Record<string, number> }),
      };
    }
    await context.inner.ready;
    if (this.outerClosed) {
      void this.finish();
      return;
    }
    this.inner = await context.inner.openSession(this.program, request);
    if (this.outerClosed) {
      this.inner.close();
      void this.finish();
      return;
    }
    this.unregister = context.onStart({
      sessionId: context.sessionId,
      person: context.person,
      unixUser: context.username,
      program: this.program,
      ...(this.command === undefined ? {} : { command: this.command }),
      startedAt: new Date(),
      clientAddress: context.clientAddress,
    });
    this.wire(this.inner);
  }

  private wire(inner: ClientChannel): void {
    const { outer } = this;
    const recording = this.recording;
    const coalescer = new OutputCoalescer(outer, inner, (bytes) => {
      this.bytesToClient += bytes.length;
      recording.data(1, bytes);
      this.tracker?.output(bytes);
    });
    inner.on('data', (bytes: Buffer) => {
      coalescer.push(bytes);
      if (recording.spoolBacklog() > SPOOL_BACKPRESSURE_BYTES) {
        inner.pause();
        recording.onSpoolDrain(() => inner.resume());
      }
    });
    inner.stderr.on('data', (bytes: Buffer) => {
      coalescer.flush();
      this.bytesToClient += bytes.length;
      recording.data(1, bytes);
      outer.stderr.write(bytes);
    });
    inner.on('exit', (code: number | null, signal?: string, coreDumped?: boolean, message?: string) => {
      if (typeof code === 'number') this.exit = { code };
      else if (typeof signal === 'string')
        this.exit = { signal, coreDumped: coreDumped === true, message: message ?? '' };
    });
    inner.on('end', () => {
      coalescer.flush();
    });
    inner.on('error', () => undefined);
    inner.on('close', () => {
      coalescer.close();
      void this.finish();
    });
    outer.on('data', (bytes: Buffer) => {
      this.bytesFromClient += bytes.length;
      recording.data(0, bytes);
      this.tracker?.input(bytes, new Date());
      if (!inner.write(bytes)) {
        outer.pause();
        inner.once('drain', () => outer.resume());
      }
    });
    outer.on('end', () => inner.end());
    outer.resume();
  }

  resize(cols: number, rows: number, width: number, height: number): void {
    if (this.pty === undefined) return;
    this.pty = { ...this.pty, cols, rows, width, height };
    this.inner?.setWindow(rows, cols, height, width);
    this.recording.resize(cols, rows);
    this.tracker?.resize(cols, rows);
  }

  signal(name: string): void {
    this.inner?.signal(name);
  }

  private identity(): SessionIdentity {
    const { context } = this;
    return {
      session_id: context.sessionId,
      target_id: context.targetId,
      ...(context.targetHostname === undefined ? {} : { target_hostname: context.targetHostname }),
      user_email: context.person,
      principal: context.username,
      program_type: this.program,
      ...(this.command === undefined ? {} : { command: this.command }),
      client_address: context.clientAddress,
      server_address: context.serverAddress,
    };
  }

  private fail(message: string): void {
    const { outer } = this;
    if (this.finished) return;
    this.finished = true;
    if (outer.writable) {
      outer.stderr.write(`${message}\r\n`);
      outer.exit(1);
      outer.end();
    }
    this.inner?.close();
    void this.sessionRecording
      ?.finish({ timestamp: Math.floor(Date.now() / 1000), status: 1, signal: null, core_dumped: false }, 0)
      .then(() => this.context.recording.onLogFinished?.());
  }

  private async finish(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    this.unregister?.();
    // The commands read from the screen must be in the log before it is finished.
    const commandsRead = this.tracker?.finish();
    const { outer } = this;
    if (this.transfer !== null) {
      this.recording.transfer({
        program: this.transfer.program,
        direction: this.transfer.direction,
        bytes_from_client: this.bytesFromClient,
        bytes_to_client: this.bytesToClient,
      });
    }
    if (this.agentForward) {
      const { agent } = this.context;
      this.recording.transfer({
        program: 'agent-forward',
        direction: 'both',
        bytes_from_client: agent.bytesFromClient - this.agentBytesAtStart.fromClient,
        bytes_to_client: agent.bytesToClient - this.agentBytesAtStart.toClient,
      });
    }
    if (outer.writable) {
      if (this.exit.code !== undefined) outer.exit(this.exit.code);
      else if (this.exit.signal !== undefined)
        outer.exit(this.exit.signal, this.exit.coreDumped === true, this.exit.message ?? '');
      outer.end();
    }
    await commandsRead;
    const result = await this.sessionRecording?.finish(
      {
        timestamp: Math.floor(Date.now() / 1000),
        status: this.exit.code ?? null,
        // The log names the signal without "SIG" (spec/session-log-format.md, as ssh-log-cli reads it);
        // ssh2 hands it over as sshd sent it, with the prefix added.
        signal: this.exit.signal?.replace(/^SIG/, '') ?? null,
        core_dumped: this.exit.coreDumped === true,
      },
      30_000,
    );
    this.context.recording.onLogFinished?.();
    if (result !== undefined && !result.ok) {
      this.context.log(
        `the log of session ${this.context.sessionId} could not be finished: ${result.reason ?? ''}`,
      );
    }
  }
}
