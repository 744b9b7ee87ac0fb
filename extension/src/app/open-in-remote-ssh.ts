/**
 * "Open in Remote-SSH": Microsoft's Remote-SSH uses the system OpenSSH client, so a fresh certificate per
 * connection comes from the latchkey CLI's ssh-config (a `Match … exec` helper fetches one on each
 * connection). This use-case has the CLI write that config for the server the extension uses, then asks
 * Remote-SSH to open a window on the target. Every way it can fail says what to do.
 */
import { LatchkeyError } from '@latchkey/shared';

/** The latchkey CLI, run as a program. */
export interface LatchkeyCli {
  /** Resolves with the exit code and stderr; rejects with ENOENT-like errors when it cannot run at all. */
  run(args: readonly string[]): Promise<{ exitCode: number; stderr: string }>;
}

/** Microsoft's Remote-SSH in this VS Code. */
export interface RemoteSshWindow {
  installed(): boolean;
  /** Opens a new window connected to `host` (an ssh_config Host name). */
  open(host: string): Promise<void>;
}

/** The CLI's exit code for "not signed in" (cli/src/domain/exit-codes.ts). */
const CLI_NOT_SIGNED_IN = 3;

export async function openInRemoteSsh(
  deps: { cli: LatchkeyCli; remoteSsh: RemoteSshWindow; cliPath: string; serverUrl: string },
  hostname: string,
): Promise<void> {
  if (!deps.remoteSsh.installed()) {
    throw new LatchkeyError(
      'not_found',
      'Remote-SSH (ms-vscode-remote.remote-ssh) is not installed: install it, or use "Connect" for a Latchkey terminal',
    );
  }
  let result: { exitCode: number; stderr: string };
  try {
    result = await deps.cli.run(['ssh-config', '--write', '--server', deps.serverUrl]);
  } catch (error) {
    throw new LatchkeyError(
      'not_found',
      `cannot run the latchkey CLI (${deps.cliPath}): ${(error as Error).message}. Install it, or set "latchkey.cliPath"`,
      { cause: error },
    );
  }
  if (result.exitCode === CLI_NOT_SIGNED_IN) {
    throw new LatchkeyError(
      'unauthenticated',
      `the latchkey CLI is not signed in to ${deps.serverUrl}: run "latchkey login --server ${deps.serverUrl}" in a terminal, then try again`,
    );
  }
  if (result.exitCode !== 0) {
    const reason = result.stderr.trim().split('\n').at(-1) ?? '';
    throw new LatchkeyError(
      'internal',
      `latchkey ssh-config failed (exit ${result.exitCode})${reason === '' ? '' : `: ${reason}`}`,
    );
  }
  await deps.remoteSsh.open(hostname);
}
