/**
 * An interactive session (sshd allocated a PTY): the user's login shell, or the requested command, runs
 * under a PTY of the recorder's own (node-pty). The recorder passes keystrokes and output through (its
 * own terminal in raw mode, so the inner PTY's line discipline is the one that acts), window size changes
 * (SIGWINCH), signals and the exit status; it records the output, the input, resizes and each command.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { WriteStream } from 'node:tty';
import { spawn as spawnPty, type IPty } from 'node-pty';
import { CommandTracker } from '../domain/recording/command-tracker.js';
import { ShellMarkScanner } from '../domain/recording/shell-marks.js';
import {
  bashRcFile,
  NONCE_VARIABLE,
  shellFamily,
  zshStartupFiles,
} from '../domain/recording/shell-integration.js';
import type { RecordingSink } from './recording-sink.js';
import type { SessionExit } from './session-exit.js';
import { TerminalCommandTracker } from './terminal-command-tracker.js';
import { PtyInput } from './pty-input.js';
import { TerminalOutput, type OutputSource } from './terminal-output.js';

export interface InteractiveSessionOptions {
  readonly shell: string;
  /** SSH_ORIGINAL_COMMAND, when the client asked for a command with a PTY (`ssh -t host cmd`). */
  readonly command: string | undefined;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly term: string;
  readonly recording: RecordingSink;
}

/** Pauses the PTY's output while this many bytes wait for the spool socket. */
const SPOOL_BACKPRESSURE_BYTES = 8 * 1024 * 1024;
const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const;

export async function runInteractiveSession(options: InteractiveSessionOptions): Promise<SessionExit> {
  const { recording } = options;
  const stdin = process.stdin;
  const stdout = process.stdout;
  const terminal = nonBlockingTerminal(stdout);
  const cols = stdout.columns || 80;
  const rows = stdout.rows || 24;
  const nonce = randomBytes(12).toString('hex');
  const integration = options.command === undefined ? await prepareShell(options.shell, nonce) : null;
  const scanner = new ShellMarkScanner(nonce);
  const commands = new CommandTracker();
  const fallback =
    options.command === undefined && integration?.family === 'other'
      ? new TerminalCommandTracker(cols, rows, (command) => recording.command(command))
      : null;

  const env: NodeJS.ProcessEnv = { ...options.env, TERM: options.term, ...(integration?.env ?? {}) };
  const args = options.command === undefined ? (integration?.args ?? ['-l']) : ['-c', options.command];
  const pty: IPty = spawnPty(options.shell, args, {
    name: options.term,
    cols,
    rows,
    cwd: options.cwd,
    env: env as Record<string, string>,
    encoding: null,
  });

  if (stdin.isTTY) {
    stdin.setRawMode(true);
    // libuv's raw mode keeps output post-processing (ONLCR): the inner PTY already turned \n into \r\n,
    // so a second pass would send \r\r\n. stty on our terminal switches it off (restored at the end).
    spawnSync('stty', ['-opost'], { stdio: ['inherit', 'ignore', 'ignore'] });
  }
  let exited = false;
  const source = holdablePty(pty);
  const output = new TerminalOutput(terminal, source);

  pty.onData((chunk) => {
    const { output: bytes, marks } = scanner.scan(chunk as unknown as Buffer);
    if (bytes.length > 0) {
      // The user's terminal first (written at once while it keeps up: the echo waits for nothing else),
      // then the recording (sealed and shipped in batches, see session-recording.ts).
      output.write(bytes);
      recording.data(1, bytes);
      fallback?.output(bytes);
    }
    if (marks.length > 0) {
      const now = new Date();
      for (const mark of marks) {
        const finished = commands.onMark(mark, now);
        if (finished) recording.command(finished);
      }
    }
    if (recording.spoolBacklog() > SPOOL_BACKPRESSURE_BYTES && source.hold('spool')) {
      recording.onSpoolDrain(() => source.release('spool'));
    }
  });

  const input = new PtyInput(pty);
  const onInput = (chunk: Buffer) => {
    if (exited) return;
    input.write(chunk);
    recording.data(0, chunk);
    fallback?.input(chunk, new Date());
  };
  stdin.on('data', onInput);
  // The client went away (sshd closed our terminal): hang up the shell, as sshd would.
  const hangUp = () => {
    if (!exited) pty.kill('SIGHUP');
  };
  stdin.on('end', hangUp);
  stdin.on('error', hangUp);
  // Writing to a terminal that was hung up fails (EIO): the session is over, the log must still be finished.
  terminal.on('error', hangUp);
  if (terminal !== stdout) stdout.on('error', hangUp);
  process.on('SIGHUP', hangUp);
  const forwarders = FORWARDED_SIGNALS.map((signal) => {
    const forward = () => {
      if (!exited) process.kill(pty.pid, signal);
    };
    process.on(signal, forward);
    return [signal, forward] as const;
  });
  const onResize = () => {
    const width = stdout.columns;
    const height = stdout.rows;
    if (!width || !height || exited) return;
    pty.resize(width, height);
    fallback?.resize(width, height);
    recording.resize(width, height);
  };
  stdout.on('resize', onResize);

  const exit = await new Promise<{ exitCode: number; signal?: number }>((resolve) => pty.onExit(resolve));
  exited = true;
  // node-pty may report the exit before the last output was read: give it a moment to arrive.
  await new Promise((resolve) => setTimeout(resolve, 30));
  const rest = scanner.drain();
  if (rest.length > 0) {
    output.write(rest);
    recording.data(1, rest);
  }
  await output.end();
  const unfinished = commands.end();
  if (unfinished) recording.command(unfinished);

  stdin.off('data', onInput);
  stdin.off('end', hangUp);
  stdin.off('error', hangUp);
  process.off('SIGHUP', hangUp);
  for (const [signal, forward] of forwarders) process.off(signal, forward);
  stdout.off('resize', onResize);
  if (stdin.isTTY) {
    try {
      stdin.setRawMode(false);
    } catch {
      // The terminal is gone (hung up): nothing to restore.
    }
  }
  stdin.pause();
  input.dispose();
  fallback?.dispose();
  if (integration) await rm(integration.dir, { recursive: true, force: true });
  if (terminal !== stdout) terminal.destroy();

  return {
    status: exit.signal ? null : exit.exitCode,
    signal: exit.signal ? signalName(exit.signal) : null,
  };
}

/**
 * Reading the program's PTY, held while any reason (a full terminal, a full spool) holds it.
 * hold() answers whether the reason was new.
 */
function holdablePty(pty: IPty): OutputSource & { hold(reason: string): boolean } {
  const reasons = new Set<string>();
  return {
    hold(reason) {
      if (reasons.has(reason)) return false;
      if (reasons.size === 0) pty.pause();
      reasons.add(reason);
      return true;
    },
    release(reason) {
      if (reasons.delete(reason) && reasons.size === 0) pty.resume();
    },
  };
}

/**
 * A writer to our terminal that does not block. Node makes TTY writes blocking on Unix, which here
 * would stall reading the program's PTY while sshd drains ours; libuv reopens the terminal device for
 * the new handle, so making it non-blocking does not touch the descriptor others share.
 */
function nonBlockingTerminal(stdout: NodeJS.WriteStream): NodeJS.WriteStream {
  if (!stdout.isTTY) return stdout;
  const stream = new WriteStream(1);
  const handle = (stream as unknown as { _handle?: { setBlocking?: (blocking: boolean) => number } })._handle;
  handle?.setBlocking?.(false);
  return stream;
}

interface PreparedShell {
  readonly family: 'bash' | 'zsh' | 'other';
  readonly args: string[];
  readonly env: Record<string, string>;
  readonly dir: string;
}

/** Writes the integration files into a private temporary directory (mode 0700, the user's). */
async function prepareShell(shell: string, nonce: string): Promise<PreparedShell> {
  const family = shellFamily(shell);
  const dir = await mkdtemp(join(tmpdir(), 'latchkey-shell-'));
  if (family === 'bash') {
    const rcFile = join(dir, 'bashrc');
    await writeFile(rcFile, bashRcFile(), { mode: 0o600 });
    return { family, args: ['--rcfile', rcFile, '-i'], env: { [NONCE_VARIABLE]: nonce }, dir };
  }
  if (family === 'zsh') {
    for (const [name, text] of Object.entries(zshStartupFiles())) {
      await writeFile(join(dir, name), text, { mode: 0o600 });
    }
    const userZdotdir = process.env.ZDOTDIR;
    return {
      family,
      args: ['-l'],
      env: {
        [NONCE_VARIABLE]: nonce,
        ZDOTDIR: dir,
        ...(userZdotdir === undefined ? {} : { LATCHKEY_USER_ZDOTDIR: userZdotdir }),
      },
      dir,
    };
  }
  return { family, args: ['-l'], env: {}, dir };
}

export function signalName(signal: number): string {
  const entry = Object.entries(constants.signals).find(([, value]) => value === signal);
  return entry ? entry[0].replace(/^SIG/, '') : String(signal);
}
