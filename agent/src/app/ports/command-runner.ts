/** Runs a program with its arguments, no shell in between (adapters/process/child-process-runner.ts). */
export interface CommandResult {
  /** The exit code; null when the program could not be started or was killed (see `signal`). */
  readonly code: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  /** What the program wrote to stderr, or why it could not be started or was stopped. */
  readonly stderr: string;
}

export interface CommandRunner {
  /** Never rejects for the program's own failure: that is `code`. Kills the program after `timeoutMs`. */
  run(argv: readonly string[], options?: { readonly timeoutMs?: number }): Promise<CommandResult>;
}
