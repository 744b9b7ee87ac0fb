/**
 * Turns the shell's marks (shell-marks.ts) into command records: the command line exactly as the shell
 * read it, the working directory it started in, when it started and finished, and its exit status.
 *
 * Pure: times are passed in with each mark. The shell reports the directory at each prompt, so a command's
 * cwd is the one reported before it started (a `cd /tmp` runs in the old directory; the next command runs
 * in /tmp).
 */
import type { CommandRecord } from '@latchkey/shared/session-log/log-records';
import type { ShellMark } from './shell-marks.js';

export class CommandTracker {
  private cwd: string | undefined;
  private running: { command: string; cwd: string | undefined; startedAt: Date } | undefined;

  /** Feeds one mark; returns a finished command when the mark completes one. */
  onMark(mark: ShellMark, at: Date): CommandRecord | null {
    switch (mark.kind) {
      case 'cwd':
        this.cwd = mark.cwd;
        return null;
      case 'command-line': {
        // A command the shell never reported finished (e.g. the integration was switched off meanwhile).
        const unfinished = this.finish(null, undefined);
        this.running = { command: mark.commandLine, cwd: this.cwd, startedAt: at };
        return unfinished;
      }
      case 'command-finished':
        return this.finish(mark.exitStatus, at);
      case 'prompt':
        return null;
    }
  }

  /** The command still running when the session ended, without an exit status. */
  end(): CommandRecord | null {
    return this.finish(null, undefined);
  }

  private finish(exitStatus: number | null, at: Date | undefined): CommandRecord | null {
    const running = this.running;
    if (running === undefined) return null;
    this.running = undefined;
    return {
      command: running.command,
      ...(running.cwd === undefined ? {} : { cwd: running.cwd }),
      ...(exitStatus === null ? {} : { exit_status: exitStatus }),
      started_at: running.startedAt.toISOString(),
      ...(at === undefined ? {} : { finished_at: at.toISOString() }),
    };
  }
}
