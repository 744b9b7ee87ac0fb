/**
 * Target hostname rules (Cloudflare's): case-insensitive, letters, digits, `-` and `.`, no spaces,
 * starting and ending with a letter or digit, at most 253 characters, and no empty label (`a..b`, issue
 * 13). Not unique, not used for DNS.
 */
export const HOSTNAME_MAX_LENGTH = 253;

export const HOSTNAME_RULE =
  'letters, digits, "-" and "." only, starting and ending with a letter or digit, no empty label (".."), at most 253 characters';

/** Undefined when `hostname` is valid, else what is wrong with it. */
export function hostnameProblem(hostname: string): string | undefined {
  if (hostname.length === 0) return 'must not be empty';
  if (hostname.length > HOSTNAME_MAX_LENGTH) {
    return `is ${hostname.length} characters long; at most ${HOSTNAME_MAX_LENGTH} are allowed`;
  }
  const bad = /[^A-Za-z0-9.-]/.exec(hostname);
  if (bad !== null) {
    return `contains ${JSON.stringify(bad[0])}; only letters, digits, "-" and "." are allowed`;
  }
  if (!/^[A-Za-z0-9]/.test(hostname)) return 'must start with a letter or digit';
  if (!/[A-Za-z0-9]$/.test(hostname)) return 'must end with a letter or digit';
  if (hostname.includes('..')) return 'must not contain an empty label ("..")';
  return undefined;
}
