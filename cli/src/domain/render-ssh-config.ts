import { LatchkeyError } from '@latchkey/shared';
import type { MeTarget } from './access-api.js';
import { targetAddress } from './access-api.js';
import { listedHostKey, type HostTrust } from './host-key-check.js';
import { CERTIFICATE_FILE_NAME, KEY_FILE_NAME, knownHostsPath, sshKeysDir } from './ssh-key-paths.js';

export interface SshConfigInput {
  /** The normalised access server URL the helper asks for certificates. */
  server: string;
  /** Latchkey's config dir (absolute): keys, certificates and known_hosts live under it. */
  configDir: string;
  /** The words that run latchkey itself, absolute (e.g. [node, /…/bin/latchkey.js]). */
  latchkeyCommand: readonly string[];
  targets: readonly MeTarget[];
  /** The ids of targets reached through their agent's tunnel: their entries get `ProxyCommand latchkey proxy`. */
  tunnelled?: ReadonlySet<string>;
}

/**
 * Why `Match … exec` and not `ProxyCommand` (the contract of the generated file):
 *
 * - ssh evaluates `Match exec` while it reads its configuration, before it loads IdentityFile and
 *   CertificateFile (after connecting) and long before it reads the private key again to sign. So the
 *   helper has written a fresh certificate by the time ssh looks for it; a failing helper (not signed in,
 *   denied) prints why on stderr and ssh then fails to authenticate.
 * - Concurrent connections to one (target, user) (rsync and scp in parallel, VS Code Remote-SSH, which
 *   opens several) share one key pair: the helper keeps it until its certificate has expired, and each
 *   run replaces only the certificate, atomically (rename), under a lock. Every ssh therefore reads a
 *   certificate signed for the private key it will sign with; the key is replaced only once no
 *   certificate for it is valid, when no connection can still be using it.
 * - A ProxyCommand helper would have to stay alive and relay every byte of each session (a Node process
 *   per connection, for hours with VS Code), and it clashes with the person's own ProxyCommand or
 *   ProxyJump. `Match exec` runs once per connection and then gets out of the way.
 * - `Match originalhost` matches the name the person typed, not the HostName that the Host entry sets,
 *   and the Host entry comes first so that its `User` is what `%r` expands to when none is typed.
 * - IdentityFile and CertificateFile sit under the Match, so they apply only when the helper succeeded:
 *   after a logout or a denial, a certificate left from an earlier connection is not offered.
 * - A fronted target (reached at its agent's SSH front) has `Port` = the front's port and
 *   `StrictHostKeyChecking yes` with no global known_hosts: ssh accepts only the host key the access
 *   server gives, which `ssh-config --write` pins in Latchkey's known_hosts (sshConfigHostKeys) and the
 *   helper pins again on each connection, so there is never a trust-on-first-use prompt. Other targets
 *   pin on first use (accept-new). The helper gets `%p` too, to say when the file is out of date.
 * - A target whose agent holds a tunnel to the access server (docs/tunnels.md) gets
 *   `ProxyCommand latchkey proxy … TARGET-ID %p`: the connection's bytes go through the server, which
 *   checks policy before anything reaches the agent. Here a ProxyCommand is the point (the address may be
 *   unreachable from the person's machine); it relays bytes only, SSH stays end to end with the front.
 */
export function renderSshConfig(input: SshConfigInput): string {
  const configDir = checkedPath(input.configDir, 'the config dir');
  const helper = input.latchkeyCommand.map((word) => shellWord(checkedPath(word, 'the latchkey command')));
  const server = shellWord(checkedPath(input.server, 'the server URL'));
  const lines = [
    `# Written by \`latchkey ssh-config\` for ${input.server}. Do not edit: run \`latchkey ssh-config --write\``,
    '# again to update it (for example after your access changed).',
    '#',
    '# For each target, the `Match originalhost … exec` line runs `latchkey ssh-cert`, which writes a fresh',
    '# short-lived certificate (and, when the last one has expired, a new key pair) into the files that',
    '# IdentityFile and CertificateFile name, before ssh loads them. Concurrent connections share the key',
    '# and each sees a complete certificate for it (written atomically). A target fronted by its agent',
    "# accepts only a host certificate from the account's host CA naming it (one @cert-authority line in",
    "# Latchkey's known_hosts), or, while its agent has no certificate yet, the host key the server gives.",
    '# See `latchkey ssh-config --help`.',
  ];
  for (const entry of configEntries(input.targets)) {
    if (entry.kind === 'skipped') {
      lines.push('', `# ${entry.comment}`);
      continue;
    }
    const { host, target, trust } = entry;
    const keysDir = `${escapePercent(sshKeysDir(configDir))}/${host}/%r`;
    lines.push('', `Host ${host}`, `  HostName ${targetAddress(target)}`, `  Port ${target.port}`);
    if (input.tunnelled?.has(target.id) === true) {
      // Through the agent's tunnel: ssh never dials the address; SSH stays end to end with the front.
      lines.push(
        `  ProxyCommand ${escapePercent(
          [...helper, 'proxy', '--server', server, '--config-dir', shellWord(configDir), target.id].join(' '),
        )} %p`,
      );
    }
    if (target.usernames.length === 1) lines.push(`  User ${target.usernames[0]}`);
    lines.push(
      `  UserKnownHostsFile ${configValue(escapePercent(knownHostsPath(configDir)))}`,
      `  HostKeyAlias ${host}`,
      ...(trust === undefined
        ? ['  StrictHostKeyChecking accept-new']
        : ['  StrictHostKeyChecking yes', '  GlobalKnownHostsFile /dev/null']),
      '  IdentitiesOnly yes',
      `Match originalhost ${host} exec "${escapePercent(
        [...helper, 'ssh-cert', '--server', server, '--config-dir', shellWord(configDir), host].join(' '),
      )} '%r' '%p'"`,
      `  IdentityFile ${configValue(`${keysDir}/${KEY_FILE_NAME}`)}`,
      `  CertificateFile ${configValue(`${keysDir}/${CERTIFICATE_FILE_NAME}`)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * What `ssh-config --write` writes in Latchkey's known_hosts for the fronted targets it writes entries
 * for, under the lowercase hostname: the host CA (an `@cert-authority` line) for a front with a host
 * certificate, else the front's key (canonical).
 */
export function sshConfigHostKeys(targets: readonly MeTarget[]): ({ hostname: string } & HostTrust)[] {
  return configEntries(targets).flatMap((entry) =>
    entry.kind === 'host' && entry.trust !== undefined ? [{ hostname: entry.host, ...entry.trust }] : [],
  );
}

type ConfigEntry =
  { kind: 'host'; host: string; target: MeTarget; trust?: HostTrust } | { kind: 'skipped'; comment: string };

/**
 * One Host entry per hostname (the first target with it), with the host key the server gives for a
 * fronted target. A fronted target whose key is not one plain public key gets no entry: without a key to
 * pin, ssh could only trust on first use.
 */
function configEntries(targets: readonly MeTarget[]): ConfigEntry[] {
  const seen = new Set<string>();
  return targets.map((target): ConfigEntry => {
    const host = target.hostname.toLowerCase();
    if (seen.has(host)) {
      return {
        kind: 'skipped',
        comment: `${host} (${target.id}) skipped: another target has that hostname; use \`latchkey ssh ${target.id}\`.`,
      };
    }
    seen.add(host);
    let trust: HostTrust | undefined;
    try {
      trust = listedHostKey(target);
    } catch {
      return {
        kind: 'skipped',
        comment: `${host} (${target.id}) skipped: the access server's host key for it is not an OpenSSH public key; tell your administrator.`,
      };
    }
    return trust === undefined ? { kind: 'host', host, target } : { kind: 'host', host, target, trust };
  });
}

/** Refuses what cannot be written safely into ssh_config and a shell command: quotes, backslashes, newlines. */
function checkedPath(text: string, what: string): string {
  if (/["'\\\n\r\0]/.test(text)) {
    throw new LatchkeyError(
      'invalid_argument',
      `${what} ${JSON.stringify(text)} contains a quote, backslash or newline, which cannot be written safely into ssh_config; use a path without them`,
    );
  }
  return text;
}

/** ssh expands %-tokens in these values; a literal % is %%. */
function escapePercent(text: string): string {
  return text.replace(/%/g, '%%');
}

/** A value with spaces goes in double quotes (checkedPath has excluded quotes inside). */
function configValue(text: string): string {
  return /\s/.test(text) ? `"${text}"` : text;
}

/** One word for /bin/sh: single-quoted unless it is plainly safe. */
function shellWord(text: string): string {
  return /^[A-Za-z0-9_./:@+=,-]+$/.test(text) ? text : `'${text}'`;
}
