/**
 * UNIX login names allowed in `connection_rules.ssh.usernames`: the portable set most distributions'
 * `useradd` accepts (letter or `_` first, then letters, digits, `_`, `.`, `-`, an optional final `$`),
 * at most 32 characters. These become certificate principals, so anything else is refused.
 */
export const UNIX_USERNAME_MAX_LENGTH = 32;

const UNIX_USERNAME = /^[A-Za-z_][A-Za-z0-9_.-]*\$?$/;

/** Undefined when valid, else what is wrong. */
export function unixUsernameProblem(name: string): string | undefined {
  if (name.length === 0) return 'must not be empty';
  if (name.length > UNIX_USERNAME_MAX_LENGTH) {
    return `is ${name.length} characters long; UNIX usernames have at most ${UNIX_USERNAME_MAX_LENGTH}`;
  }
  if (!UNIX_USERNAME.test(name)) {
    return `${JSON.stringify(name)} is not a valid UNIX username (a letter or "_" first, then letters, digits, "_", "." or "-")`;
  }
  return undefined;
}
