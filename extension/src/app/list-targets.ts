import type { MyTarget } from '../domain/access-api.js';
import type { AccessServer } from './ports/access-server.js';
import type { SignedInSession } from './signed-in-session.js';

/** The targets the signed-in person may reach (only those with at least one allowed username). */
export function listTargets(deps: { server: AccessServer; session: SignedInSession }): Promise<MyTarget[]> {
  return deps.session.withAccessToken((token) => deps.server.myTargets(token));
}
