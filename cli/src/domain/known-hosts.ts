import { createHmac } from 'node:crypto';

/**
 * Latchkey's own known_hosts (`<config>/known_hosts`): ssh pins a target's host key there on first use
 * under the target's hostname (HostKeyAlias). These functions read and edit its text; no file access.
 */

/** The lines of a known_hosts text without the entries for `hostname`, and how many were removed. */
export function forgetHostKey(text: string, hostname: string): { text: string; removed: number } {
  const name = hostname.toLowerCase();
  let removed = 0;
  const kept = text.split('\n').filter((line) => {
    const trimmed = line.trim();
    // Comments, blank lines and marker lines (@cert-authority, @revoked) are not pins: keep them.
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith('@')) return true;
    const patterns = trimmed.split(/\s+/)[0]!.split(',');
    if (patterns.some((pattern) => patternNamesHost(pattern, name))) {
      removed++;
      return false;
    }
    return true;
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
