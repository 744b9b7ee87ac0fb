/**
 * Runs the real OpenSSH client (/usr/bin/ssh) against a test sshd, isolated from the machine and the person
 * running the tests: no user config (-F /dev/null), no agent, only the given identity (IdentitiesOnly),
 * BatchMode (never prompts), and a known_hosts file of its own seeded with the server's host key
 * (StrictHostKeyChecking=yes: a wrong host key is an error, never a silent accept).
 */
import { writeFile } from 'node:fs/promises';
import { runCommand } from './run-command.js';
import type { CommandResult } from './run-command.js';
import { createTempDir } from './temp-dir.js';

/** What runSsh needs to know about the server; a RunningSshd fits. */
export interface SshTarget {
  readonly host: string;
  readonly port: number;
  knownHostsLine(): string;
}

export interface RunSshOptions {
  /** The server (host, port and host key); or give host, port and knownHostsFile yourself. */
  server?: SshTarget;
  host?: string;
  port?: number;
  user: string;
  /** Private key file (mode 0600, or ssh refuses it). */
  identityFile?: string;
  /** Certificate to offer with the identity (ssh's CertificateFile). */
  certificateFile?: string;
  /** Remote command; omitted: the login shell (with stdin closed unless `input` is given). */
  command?: string;
  /** Force a PTY (`-tt`); otherwise none is requested (`-T`). */
  tty?: boolean;
  /** A known_hosts file to use instead of one seeded from `server`. */
  knownHostsFile?: string;
  /** Local address to connect from (ssh's BindAddress), e.g. 127.0.0.2 to test source-address. */
  bindAddress?: string;
  /** More `-o` options, e.g. { ServerAliveInterval: '1' } or ['SetEnv=FOO=bar']. */
  extraOptions?: Record<string, string> | readonly string[];
  /** Written to the client's stdin. */
  input?: string;
  /** Default 15 s; the client is killed and runSsh rejects when it runs longer. */
  timeoutMs?: number;
  sshPath?: string;
}

export interface SshResult extends CommandResult {
  /** The argument list given to ssh (for failure messages). */
  args: string[];
}

export async function runSsh(options: RunSshOptions): Promise<SshResult> {
  const host = options.host ?? options.server?.host;
  const port = options.port ?? options.server?.port;
  if (host === undefined || port === undefined) throw new Error('runSsh needs a server or a host and a port');
  const dir = await createTempDir('ssh-client');
  try {
    let knownHostsFile = options.knownHostsFile;
    if (knownHostsFile === undefined) {
      if (options.server === undefined) throw new Error('runSsh needs a server or a knownHostsFile');
      knownHostsFile = dir.file('known_hosts');
      await writeFile(knownHostsFile, options.server.knownHostsLine() + '\n');
    }
    const sshOptions: Record<string, string> = {
      BatchMode: 'yes',
      IdentitiesOnly: 'yes',
      IdentityAgent: 'none',
      PreferredAuthentications: 'publickey',
      StrictHostKeyChecking: 'yes',
      UserKnownHostsFile: knownHostsFile,
      GlobalKnownHostsFile: '/dev/null',
      UpdateHostKeys: 'no',
      ConnectTimeout: '10',
      ControlMaster: 'no',
      ControlPath: 'none',
    };
    if (options.identityFile !== undefined) sshOptions.IdentityFile = options.identityFile;
    else sshOptions.IdentityFile = 'none';
    if (options.certificateFile !== undefined) sshOptions.CertificateFile = options.certificateFile;
    if (options.bindAddress !== undefined) sshOptions.BindAddress = options.bindAddress;
    const extra = Array.isArray(options.extraOptions)
      ? (options.extraOptions as readonly string[])
      : Object.entries(options.extraOptions ?? {}).map(([key, value]) => `${key}=${value}`);

    const args = [
      '-F',
      '/dev/null',
      ...Object.entries(sshOptions).flatMap(([key, value]) => ['-o', `${key}=${value}`]),
      ...extra.flatMap((option) => ['-o', option]),
      options.tty ? '-tt' : '-T',
      '-p',
      String(port),
      '-l',
      options.user,
      host,
      ...(options.command === undefined ? [] : ['--', options.command]),
    ];
    const env = { ...process.env };
    delete env.SSH_AUTH_SOCK;
    delete env.SSH_AGENT_PID;
    const result = await runCommand(options.sshPath ?? '/usr/bin/ssh', args, {
      env,
      input: options.input,
      timeoutMs: options.timeoutMs ?? 15_000,
    });
    return { ...result, args };
  } finally {
    await dir.remove();
  }
}
