/**
 * Which UNIX username a client logs in to a target as, from the usernames the person may use there (the
 * `usernames` of `GET /v1/me/targets`). The server has the last word: a username asked for by name is sent
 * as it is, and the server says why not when it is not allowed.
 */
import { LatchkeyError } from '../errors/latchkey-error.js';

export interface TargetUsernames {
  hostname: string;
  usernames: readonly string[];
}

/**
 * The username to use without asking: the only one allowed, else `preferred` (the local user's name, a
 * configured default) when it is allowed; undefined when the person must choose. No username at all is a
 * denial.
 */
export function usernameWithoutAsking(
  target: TargetUsernames,
  preferred: string | undefined,
): string | undefined {
  if (target.usernames.length === 0) {
    throw new LatchkeyError(
      'permission_denied',
      `you may not log in to ${target.hostname} as any user; ask your admin`,
    );
  }
  if (target.usernames.length === 1) return target.usernames[0];
  const wanted = (preferred ?? '').trim();
  return wanted !== '' && target.usernames.includes(wanted) ? wanted : undefined;
}

/**
 * The username to log in as when the person may name one (`USER@host`): the one asked for, else the one
 * usernameWithoutAsking picks, else an error listing the allowed ones.
 */
export function chooseLoginUsername(
  target: TargetUsernames,
  requested: string | undefined,
  preferred: string | undefined,
): string {
  if (requested !== undefined && requested !== '') return requested;
  const chosen = usernameWithoutAsking(target, preferred);
  if (chosen !== undefined) return chosen;
  throw new LatchkeyError(
    'invalid_argument',
    `say which user to log in to ${target.hostname} as (USER@${target.hostname}); you may use: ${target.usernames.join(', ')}`,
  );
}
