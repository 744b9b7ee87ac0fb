import type { AccessServer } from './ports/access-server.js';
import type { SessionStore } from './ports/session-store.js';

/**
 * Ends the sign-in: the server revokes the whole session (RFC 7009), and the tokens are deleted here
 * even when the server cannot be reached (the refresh token then simply expires). Answers whether the
 * server confirmed the revocation.
 */
export async function signOut(deps: { server: AccessServer; store: SessionStore }): Promise<boolean> {
  const session = await deps.store.get();
  if (session === undefined) return true;
  try {
    if (session.serverUrl === deps.server.url) await deps.server.revoke(session.refreshToken);
    return session.serverUrl === deps.server.url;
  } catch {
    return false;
  } finally {
    await deps.store.delete();
  }
}
