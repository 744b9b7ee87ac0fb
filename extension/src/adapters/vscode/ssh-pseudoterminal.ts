/**
 * One SSH session shown in a VS Code terminal: connects when the terminal opens (certificate, host key
 * check, shell with a PTY of the terminal's size), passes keys and resizes through, and closes with the
 * remote exit status. A refusal or a dropped connection is written in red in the terminal, which stays
 * open: R reconnects, any other key closes it.
 */
import { StringDecoder } from 'node:string_decoder';
import * as vscode from 'vscode';
import { connectToTarget } from '../../app/connect-to-target.js';
import type { ConnectDeps } from '../../app/connect-to-target.js';
import type { ShellEnd, SshShell, TerminalSize } from '../../app/ports/ssh.js';
import type { MyTarget } from '../../domain/access-api.js';

const RED = '\x1b[31m';
const DIM = '\x1b[2m';
const RESET = '\x1b[0m';
const MAX_KEPT_OUTPUT = 256 * 1024;

export type ConnectOutcome = { kind: 'connected' } | { kind: 'failed'; message: string };

export class SshPseudoterminal implements vscode.Pseudoterminal {
  private readonly written = new vscode.EventEmitter<string>();
  readonly onDidWrite = this.written.event;
  private readonly closed = new vscode.EventEmitter<number | void>();
  readonly onDidClose = this.closed.event;
  private readonly outcomes = new vscode.EventEmitter<ConnectOutcome>();
  /** Fires after each connection attempt (tests and the UI wait on it). */
  readonly onDidConnect = this.outcomes.event;

  private shell: SshShell | undefined;
  private size: TerminalSize = { columns: 80, rows: 24 };
  private waitingAfterFailure = false;
  private disposed = false;
  /** The last output shown (for tests; the terminal itself keeps its own scrollback). */
  output = '';

  constructor(
    private readonly deps: () => ConnectDeps,
    private readonly target: MyTarget,
    private readonly username: string,
    private readonly validSeconds: () => number | undefined,
  ) {}

  open(dimensions: vscode.TerminalDimensions | undefined): void {
    if (dimensions !== undefined) this.size = { columns: dimensions.columns, rows: dimensions.rows };
    void this.connect();
  }

  handleInput(data: string): void {
    if (this.waitingAfterFailure) {
      this.waitingAfterFailure = false;
      if (data.toLowerCase() === 'r') void this.connect();
      else this.finish(undefined);
      return;
    }
    this.shell?.write(data);
  }

  setDimensions(dimensions: vscode.TerminalDimensions): void {
    this.size = { columns: dimensions.columns, rows: dimensions.rows };
    this.shell?.resize(this.size);
  }

  /** The person closed the terminal: end the session cleanly. */
  close(): void {
    this.disposed = true;
    this.shell?.close();
    this.shell = undefined;
  }

  private async connect(): Promise<void> {
    const label = `${this.username}@${this.target.hostname}`;
    this.write(`${DIM}Latchkey: connecting to ${label} with a fresh certificate…${RESET}\r\n`);
    let shell: SshShell;
    try {
      const validSeconds = this.validSeconds();
      shell = await connectToTarget(this.deps(), {
        target: this.target,
        username: this.username,
        size: this.size,
        ...(validSeconds === undefined ? {} : { validSeconds }),
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.fail(`Cannot connect to ${label}: ${message}`);
      return;
    }
    if (this.disposed) {
      shell.close();
      return;
    }
    this.shell = shell;
    const decoder = new StringDecoder('utf8');
    shell.onData((data) => this.write(decoder.write(data)));
    shell.onEnd((end) => this.ended(label, end));
    this.outcomes.fire({ kind: 'connected' });
  }

  private ended(label: string, end: ShellEnd): void {
    this.shell = undefined;
    if (this.disposed) return;
    if (end.exitCode !== undefined) {
      this.write(`\r\n${DIM}Connection to ${label} closed (exit status ${end.exitCode}).${RESET}\r\n`);
      this.finish(end.exitCode);
      return;
    }
    const why =
      end.signal !== undefined
        ? `the shell was killed by SIG${end.signal}`
        : (end.error?.message ?? 'the connection was closed');
    this.fail(`The connection to ${label} dropped: ${why}`, false);
  }

  private fail(message: string, fromConnect = true): void {
    this.write(
      `\r\n${RED}${message}${RESET}\r\n${DIM}Press R to reconnect, any other key to close.${RESET}\r\n`,
    );
    this.waitingAfterFailure = true;
    if (fromConnect) this.outcomes.fire({ kind: 'failed', message });
    void vscode.window.showErrorMessage(`Latchkey: ${message}`);
  }

  private finish(exitCode: number | undefined): void {
    this.closed.fire(exitCode);
  }

  private write(text: string): void {
    this.output = (this.output + text).slice(-MAX_KEPT_OUTPUT);
    this.written.fire(text);
  }
}
