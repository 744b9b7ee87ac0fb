/** Where the key pair and certificate of one ssh run are written (a private temp dir). */
export interface SshCredentialFiles {
  privateKeyFile: string;
  certificateFile: string;
}

export interface SshRunResult {
  /** ssh's exit status (128 + n when ended by signal n). */
  exitCode: number;
  /** The end of what ssh wrote to stderr (it has also been passed through to ours). */
  stderrTail: string;
}

/** Runs the system ssh with a key and certificate that exist only for that run. */
export interface SshRunner {
  /**
   * Writes `privateKey` and `certificate` (0600) into a new 0700 temp dir, runs ssh with the arguments
   * `argumentsFor` builds from their paths with stdin and stdout inherited, and removes the dir when ssh
   * ends, also when latchkey is interrupted.
   */
  run(
    material: { privateKey: string; certificate: string },
    argumentsFor: (files: SshCredentialFiles) => string[],
  ): Promise<SshRunResult>;
}
