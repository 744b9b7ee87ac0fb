import { LatchkeyError } from '@latchkey/shared';
import type { MeTarget } from './access-api.js';

/**
 * The UNIX username to log in as: the one asked for (the server has the last word on whether it is
 * allowed, and says why not); else the only one the person may use; else the local user's name when it
 * is allowed; else an error listing the allowed ones.
 */
export function chooseUsername(
  target: Pick<MeTarget, 'hostname' | 'usernames'>,
  requested: string | undefined,
  localUsername: string | undefined,
): string {
  if (requested !== undefined && requested !== '') return requested;
  const allowed = target.usernames;
  if (allowed.length === 1) return allowed[0]!;
  if (localUsername !== undefined && allowed.includes(localUsername)) return localUsername;
  if (allowed.length === 0) {
    throw new LatchkeyError('permission_denied', `you may not log in to ${target.hostname} as any user`);
  }
  throw new LatchkeyError(
    'invalid_argument',
    `say which user to log in to ${target.hostname} as (USER@${target.hostname}); you may use: ${allowed.join(', ')}`,
  );
}
