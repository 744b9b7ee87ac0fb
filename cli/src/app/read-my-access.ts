import type { Me, MeTarget } from '../domain/access-api.js';
import type { TargetCache } from './ports/target-cache.js';
import { withAccessToken } from './signed-in-session.js';
import type { SessionDeps } from './signed-in-session.js';

/** `latchkey whoami`: the person as the server knows them from this sign-in. */
export function whoAmI(deps: SessionDeps): Promise<Me> {
  return withAccessToken(deps, (token) => deps.server.me(token));
}

/**
 * `latchkey targets`: the targets the person may reach, with the usernames allowed on each. The list also
 * replaces the recent one `latchkey ssh` starts from, so that afterwards it has the server's current
 * ports and host keys (after a target's agent was reinstalled, say).
 */
export async function myTargets(deps: SessionDeps & { targetCache?: TargetCache }): Promise<MeTarget[]> {
  const targets = await withAccessToken(deps, (token) => deps.server.myTargets(token));
  await deps.targetCache?.put(deps.server.url, targets);
  return targets;
}
