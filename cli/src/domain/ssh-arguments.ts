/**
 * The argument list for the system `ssh` that `latchkey ssh` runs: the fresh key's certificate only, from
 * latchkey's own one-key agent (IdentityAgent; IdentityFile=none so that no default key file is tried,
 * and no other agent is asked), Latchkey's own known_hosts with the host key pinned under the target's
 * hostname (HostKeyAlias, so a changed address does not look like a new host and a reused address does
 * not mix two targets), then the person's own ssh options, then `--` and the destination and command.
 * Latchkey's `-o` settings come first because ssh keeps the first value it sees, so the person's options
 * cannot loosen the host key check.
 *
 * The host key: for a fronted target, Latchkey has pinned the key the access server gives before ssh
 * starts, and ssh checks strictly (StrictHostKeyChecking=yes, and no global known_hosts whose entries
 * could accept another key): another key, or none, and ssh refuses before it authenticates. For any
 * other target, ssh pins the key it is shown on first use (accept-new).
 */
export interface SshPassThroughOptions {
  /** `-L` specs. */
  localForwards: readonly string[];
  /** `-R` specs. */
  remoteForwards: readonly string[];
  /** `-D` specs. */
  dynamicForwards: readonly string[];
  /** `-o Key=Value` options. */
  options: readonly string[];
  /** `-t` (force a PTY) or `-T` (none); undefined: ssh decides. */
  tty?: 'force' | 'none';
  /** `-N`: no remote command (forwarding only). */
  noCommand: boolean;
  /** `-A`: forward the agent (the certificate must allow it). */
  forwardAgent: boolean;
  /**
   * The person's own agent (their SSH_AUTH_SOCK), which `-A` forwards. ssh's agent is latchkey's (and ssh
   * exports its IdentityAgent as SSH_AUTH_SOCK), so a bare `-A` would forward latchkey's one-key agent:
   * the person's is named by its path instead, and without one nothing is forwarded.
   */
  forwardAgentSocket?: string;
  /** How many `-v`. */
  verbosity: number;
}

export const NO_PASS_THROUGH: SshPassThroughOptions = {
  localForwards: [],
  remoteForwards: [],
  dynamicForwards: [],
  options: [],
  noCommand: false,
  forwardAgent: false,
  verbosity: 0,
};

export interface SshInvocation {
  /** The socket of latchkey's agent, which offers the certificate (and signs with its key). */
  agentSocket: string;
  knownHostsFile: string;
  /** The target's hostname: the name its host key is pinned under. */
  hostKeyAlias: string;
  /**
   * `server`: Latchkey has pinned the access server's key for this fronted target, ssh accepts only
   * that one. `first-use`: ssh pins the key it is first shown.
   */
  hostKeyCheck: 'server' | 'first-use';
  address: string;
  port: number;
  username: string;
  passThrough: SshPassThroughOptions;
  /** The remote command's words (ssh joins them with spaces); empty: a login shell. */
  command: readonly string[];
  /**
   * For a target reached through its agent's tunnel: the ProxyCommand that carries the connection
   * (`latchkey proxy …`); ssh then never dials the address itself.
   */
  proxyCommand?: string;
}

/**
 * Whether the person gave a way to reach the host of their own (`-o ProxyCommand=…` or `-o ProxyJump=…`, any
 * case, `=` or a space). Theirs then replaces the tunnel's ProxyCommand: where the bytes travel is theirs to
 * choose, and the host key check above still decides whom ssh talks to.
 */
function personChoosesTheWay(options: readonly string[]): boolean {
  return options.some((option) => /^\s*(proxycommand|proxyjump)\s*(=|\s)/i.test(option));
}

export function sshArguments(invocation: SshInvocation): string[] {
  const pass = invocation.passThrough;
  const tunnel =
    invocation.proxyCommand === undefined || personChoosesTheWay(pass.options)
      ? []
      : ['-o', `ProxyCommand=${invocation.proxyCommand}`];
  const args = [
    '-o',
    `IdentityAgent=${invocation.agentSocket}`,
    '-o',
    'IdentityFile=none',
    '-o',
    'IdentitiesOnly=no',
    '-o',
    `UserKnownHostsFile=${invocation.knownHostsFile}`,
    ...(invocation.hostKeyCheck === 'server'
      ? ['-o', 'StrictHostKeyChecking=yes', '-o', 'GlobalKnownHostsFile=/dev/null']
      : ['-o', 'StrictHostKeyChecking=accept-new']),
    '-o',
    `HostKeyAlias=${invocation.hostKeyAlias.toLowerCase()}`,
    '-p',
    String(invocation.port),
    ...tunnel,
  ];
  for (const spec of pass.localForwards) args.push('-L', spec);
  for (const spec of pass.remoteForwards) args.push('-R', spec);
  for (const spec of pass.dynamicForwards) args.push('-D', spec);
  for (const option of pass.options) args.push('-o', option);
  if (pass.tty === 'force') args.push('-t');
  if (pass.tty === 'none') args.push('-T');
  if (pass.noCommand) args.push('-N');
  if (pass.forwardAgent && pass.forwardAgentSocket !== undefined && pass.forwardAgentSocket !== '') {
    args.push('-o', `ForwardAgent=${pass.forwardAgentSocket}`);
  }
  for (let i = 0; i < pass.verbosity; i++) args.push('-v');
  // `--` ends ssh's options, so the command's own words (`ls -la`) are never read as ssh options.
  args.push('--', `${invocation.username}@${invocation.address}`, ...invocation.command);
  return args;
}
