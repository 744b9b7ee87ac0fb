import { LatchkeyError } from '@latchkey/shared';
import type { MyTarget } from './access-api.js';

/**
 * Which username "Connect" on a target uses without asking: the only one allowed, or the configured
 * default when policy allows it. `undefined` means the person must pick one.
 */
export function defaultUsername(target: MyTarget, configuredDefault: string | undefined): string | undefined {
  if (target.usernames.length === 0) {
    throw new LatchkeyError(
      'permission_denied',
      `you may not log in to ${target.hostname} as anyone; ask your admin`,
    );
  }
  if (target.usernames.length === 1) return target.usernames[0];
  const wanted = (configuredDefault ?? '').trim();
  if (wanted !== '' && target.usernames.includes(wanted)) return wanted;
  return undefined;
}
