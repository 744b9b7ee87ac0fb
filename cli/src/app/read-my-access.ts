import type { Me, MeTarget } from '../domain/access-api.js';
import { withAccessToken } from './signed-in-session.js';
import type { SessionDeps } from './signed-in-session.js';

/** `latchkey whoami`: the person as the server knows them from this sign-in. */
export function whoAmI(deps: SessionDeps): Promise<Me> {
  return withAccessToken(deps, (token) => deps.server.me(token));
}

/** `latchkey targets`: the targets the person may reach, with the usernames allowed on each. */
export function myTargets(deps: SessionDeps): Promise<MeTarget[]> {
  return withAccessToken(deps, (token) => deps.server.myTargets(token));
}
