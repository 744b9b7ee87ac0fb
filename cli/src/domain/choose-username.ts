import { chooseLoginUsername } from '@latchkey/shared';
import type { MeTarget } from './access-api.js';

/**
 * The UNIX username to log in as (shared/src/client/login-username.ts): the one asked for (the server has
 * the last word on whether it is allowed, and says why not); else the only one the person may use; else the
 * local user's name when it is allowed; else an error listing the allowed ones.
 */
export function chooseUsername(
  target: Pick<MeTarget, 'hostname' | 'usernames'>,
  requested: string | undefined,
  localUsername: string | undefined,
): string {
  return chooseLoginUsername(target, requested, localUsername);
}
