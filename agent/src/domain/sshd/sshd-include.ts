import picomatch from 'picomatch';

/** Where sshd looks for relative `Include` paths (SSHDIR in OpenSSH's build); the same on every distro. */
export const DEFAULT_SSH_DIR = '/etc/ssh';

/**
 * The absolute pattern an `Include` argument stands for: relative paths are relative to the ssh
 * directory (servconf.c prefixes SSHDIR), never to the including file or the working directory.
 */
export function absoluteIncludePattern(argument: string, sshDir = DEFAULT_SSH_DIR): string {
  return argument.startsWith('/') ? argument : `${sshDir.replace(/\/+$/, '')}/${argument}`;
}

/**
 * True when the glob(3) `pattern` matches `path`. sshd expands Include patterns with glob(3) without
 * GLOB_BRACE: `*`, `?` and `[...]` never cross a `/`, a leading dot must be matched explicitly, and braces
 * and `**` have no special meaning. picomatch is configured to those rules.
 */
export function includePatternMatches(pattern: string, path: string): boolean {
  return picomatch(pattern, { dot: false, nobrace: true, noextglob: true, noglobstar: true })(path);
}

/**
 * The files an Include pattern reads, in the order sshd reads them: glob(3) sorts its results, in the
 * byte order of the C locale that sshd runs in. `existing` is every file the caller found on disk.
 */
export function expandIncludePattern(pattern: string, existing: Iterable<string>): string[] {
  const matches = [...existing].filter((path) => includePatternMatches(pattern, path));
  return matches.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
