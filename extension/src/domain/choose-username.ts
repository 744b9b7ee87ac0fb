import { usernameWithoutAsking } from '@latchkey/shared';
import type { MyTarget } from './access-api.js';

/**
 * Which username "Connect" on a target uses without asking (shared/src/client/login-username.ts): the only
 * one allowed, or the configured default when policy allows it. `undefined` means the person must pick one.
 */
export function defaultUsername(target: MyTarget, configuredDefault: string | undefined): string | undefined {
  return usernameWithoutAsking(target, configuredDefault);
}
