import type { SshPrivateKey } from '@latchkey/shared';

export interface SshRunResult {
  /** ssh's exit status (128 + n when ended by signal n). */
  exitCode: number;
  /** The end of what ssh wrote to stderr (it has also been passed through to ours). */
  stderrTail: string;
}

/** What one connection authenticates with: its fresh key pair and the certificate issued for it. */
export interface SshIdentity {
  privateKey: SshPrivateKey;
  /** An authorized-keys line (`ssh-ed25519-cert-v01@openssh.com AAAA…`). */
  certificate: string;
}

/** One system ssh, started before its identity may be ready. */
export interface StartedSsh {
  /** ssh's outcome. What ssh writes to stderr is held back until `keep()`. */
  readonly result: Promise<SshRunResult>;
  /** This ssh is the one: pass its stderr through (what it held back first) from now on. */
  keep(): void;
  /** Ends it (it has not authenticated yet) and drops its stderr; resolves once it has exited. */
  abandon(): Promise<void>;
}

/** ssh processes sharing an in-process agent that offers one identity once it is provided. */
export interface SshAgentSession {
  /** ssh's `IdentityAgent`: a socket in a fresh 0700 temp dir. */
  readonly agentSocket: string;
  /** Starts the system ssh with these arguments, stdin and stdout inherited. */
  start(args: string[]): StartedSsh;
  /** From now on the agent offers `identity`, answering the ssh that is already waiting for it. */
  provide(identity: SshIdentity): void;
}

/** Runs the system ssh with an identity that exists only for that run, in memory. */
export interface SshRunner {
  /**
   * Runs `use` with a fresh agent session; when `use` ends (also when latchkey is interrupted), every ssh
   * it started has ended or is ended, and the agent and its temp dir are gone.
   */
  withAgent<T>(use: (session: SshAgentSession) => Promise<T>): Promise<T>;
}
