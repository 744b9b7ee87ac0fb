import { createHmac } from 'node:crypto';
import { LatchkeyError, hostnameProblem, parseSshPublicKey, type SshPublicKey } from '@latchkey/shared';

/**
 * Latchkey's own known_hosts (`<config>/known_hosts`), where host keys are pinned under the target's
 * hostname (HostKeyAlias): for a fronted target (its agent's SSH front), an `@cert-authority` line for the
 * account's host CA when its front presents a host certificate, else the key the access server gives,
 * written by Latchkey before ssh starts; for any other target, the key ssh was shown on first use. These
 * functions read and edit its text and read ssh's complaints; no file access.
 */

/** The lines of a known_hosts text without the entries for `hostname`, and how many were removed. */
export function forgetHostKey(text: string, hostname: string): { text: string; removed: number } {
  const name = hostname.toLowerCase();
  let removed = 0;
  // Comments, blank lines and marker lines (@cert-authority, @revoked) are not pins: they are kept.
  const kept = text.split('\n').filter((line) => {
    if (!isEntryFor(line, name)) return true;
    removed++;
    return false;
  });
  return { text: kept.join('\n'), removed };
}

/** A known_hosts host pattern names `host` (lowercase) itself: `host`, `[host]:port`, or hashed `|1|salt|hash`. */
function patternNamesHost(pattern: string, host: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|');
    if (salt === undefined || hash === undefined) return false;
    const digest = createHmac('sha1', Buffer.from(salt, 'base64')).update(host).digest('base64');
    return digest === hash;
  }
  const lower = pattern.toLowerCase();
  return lower === host || (lower.startsWith(`[${host}]:`) && /^\d+$/.test(lower.slice(host.length + 3)));
}

/**
 * The host key the access server gives for a fronted target (one OpenSSH public key line, as the target's
 * agent reported it), as the canonical `TYPE BASE64` that Latchkey pins, or a LatchkeyError when it is not
 * exactly one plain public key. Checked strictly because it ends up in a known_hosts file: a line break or
 * a marker (`@cert-authority`) smuggled into it would pin keys for other hosts too.
 */
export function serverHostKey(hostKey: string, hostname: string, what = 'host key'): string {
  const refuse = (why: string) =>
    new LatchkeyError(
      'internal',
      `the access server's ${what} for ${hostname} ${why}; not connecting (tell your administrator)`,
    );
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(hostKey.trim()))
    throw refuse('contains a control character or a line break');
  const [, type, data] = /^(\S+) (\S+)(?: .*)?$/.exec(hostKey.trim()) ?? [];
  if (type === undefined || data === undefined || type.startsWith('@')) {
    throw refuse('is not one OpenSSH public key line (TYPE BASE64 [COMMENT])');
  }
  if (type.includes('-cert-')) throw refuse('is a certificate, not a public key');
  let key: SshPublicKey;
  try {
    key = parseSshPublicKey(`${type} ${data}`);
  } catch (error) {
    throw refuse(`cannot be read (${error instanceof Error ? error.message : String(error)})`);
  }
  if (key.sshType !== type) throw refuse(`says ${type} but holds a ${key.sshType} key`);
  return key.toAuthorizedKey();
}

/**
 * A known_hosts text with `hostKey` (canonical, from serverHostKey) as the only pin of `hostname`: every
 * earlier entry for that name (plain, `[name]:port`, hashed, or in a list of names) is removed, the other
 * lines are kept as they are. `changed` is false when the text already pinned exactly that key, and only
 * that, so the file need not be written.
 */
export function pinHostKey(
  text: string | undefined,
  hostname: string,
  hostKey: string,
): { text: string; changed: boolean } {
  const name = checkedName(hostname, 'a host key');
  return replaceEntries(text, name, `${name} ${hostKey}`, false);
}

/**
 * A known_hosts text where the only entry for `hostname` is `@cert-authority hostname CA` (hostCa
 * canonical, from serverHostKey): ssh then accepts for that name only a host certificate from the CA
 * that lists the name as a principal, never a plain key. Earlier pins and CA lines for exactly that name
 * are removed; other lines are kept. `changed` as in pinHostKey.
 */
export function pinHostCa(
  text: string | undefined,
  hostname: string,
  hostCa: string,
): { text: string; changed: boolean } {
  const name = checkedName(hostname, 'a host CA');
  return replaceEntries(text, name, `@cert-authority ${name} ${hostCa}`, true);
}

function checkedName(hostname: string, what: string): string {
  const name = hostname.toLowerCase();
  const problem = hostnameProblem(name);
  if (problem !== undefined) {
    throw new LatchkeyError('internal', `cannot pin ${what} for ${JSON.stringify(hostname)}: it ${problem}`);
  }
  return name;
}

/**
 * `entry` as the one pin for `name`; with `replaceCaLines`, also the one `@cert-authority` line for
 * exactly `name` (a plain pin keeps marker lines, as forgetHostKey does). Unchanged when it already is.
 */
function replaceEntries(
  text: string | undefined,
  name: string,
  entry: string,
  replaceCaLines: boolean,
): { text: string; changed: boolean } {
  const before = text ?? '';
  const matches = (line: string) => isEntryFor(line, name) || (replaceCaLines && isCaLineFor(line, name));
  const entries = before.split('\n').filter(matches);
  if (entries.length === 1 && entries[0]!.trim() === entry) return { text: before, changed: false };
  const kept = before
    .split('\n')
    .filter((line) => !matches(line))
    .join('\n');
  const prefix = kept === '' || kept.endsWith('\n') ? kept : `${kept}\n`;
  return { text: `${prefix}${entry}\n`, changed: true };
}

/** An `@cert-authority` line whose host patterns are exactly `name` (the ones Latchkey writes). */
function isCaLineFor(line: string, name: string): boolean {
  const [marker, patterns] = line.trim().split(/\s+/);
  return marker === '@cert-authority' && patterns?.toLowerCase() === name;
}

function isEntryFor(line: string, name: string): boolean {
  const trimmed = line.trim();
  if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith('@')) return false;
  return trimmed
    .split(/\s+/)[0]!
    .split(',')
    .some((pattern) => patternNamesHost(pattern, name));
}

/** ssh said the host key it was shown is not the pinned one (it refuses to connect then). */
export function reportsChangedHostKey(sshStderr: string): boolean {
  return /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for \S+ has changed/.test(sshStderr);
}

export function changedHostKeyMessage(hostname: string, knownHostsFile: string): string {
  return (
    `The host key of ${hostname} is not the one Latchkey pinned when you first connected (in ${knownHostsFile}), ` +
    'so ssh refused to connect. If the target was reinstalled or its host key was replaced on purpose, run ' +
    `\`latchkey known-hosts forget ${hostname}\` and connect again to pin the new key. ` +
    'If you do not know why it changed, do not: someone may be intercepting the connection; tell your administrator.'
  );
}

/**
 * ssh refused the host key under StrictHostKeyChecking=yes: another key than the pinned one, or (a key of
 * another type) none it knows. It refuses before it authenticates, so nothing of the person's was sent.
 */
export function reportsRefusedHostKey(sshStderr: string): boolean {
  return reportsChangedHostKey(sshStderr) || /Host key verification failed/.test(sshStderr);
}

/**
 * What Latchkey says when a fronted target showed another host key than the access server's, or (with
 * `certified`) no host certificate from the account's host CA naming it.
 */
export function refusedServerHostKeyMessage(hostname: string, certified = false): string {
  if (certified) {
    return (
      `The host that answered is not the one the access server certified as ${hostname}: it did not show a host certificate ` +
      `from your access server's host CA for ${hostname} (another target's certificate, or an uncertified key), so ssh ` +
      `refused to connect before logging in. If ${hostname}'s agent was reinstalled just now, \`latchkey targets\` refreshes ` +
      'the list of targets; then connect again. Otherwise someone may be intercepting the connection: do not go on, and tell your administrator.'
    );
  }
  return (
    `The host that answered is not the one the access server knows for ${hostname}: it showed another host key ` +
    `than the one the server gives for ${hostname}, so ssh refused to connect before logging in. ` +
    `If ${hostname}'s agent was reinstalled just now, \`latchkey targets\` refreshes the list of targets and their ` +
    'keys; then connect again. Otherwise someone may be intercepting the connection: do not go on, and tell your administrator.'
  );
}
