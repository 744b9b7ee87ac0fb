import type { AccessServer } from './ports/access-server.js';
import type { CredentialStore } from './ports/credential-store.js';
import type { Notify } from './ports/environment.js';

export interface LogoutDeps {
  server: AccessServer;
  store: CredentialStore;
  notify: Notify;
  /** Deletes the key pairs and certificates the ssh-config helper keeps, so none is used after logout. */
  removeSshKeys: () => Promise<void>;
}

/**
 * Ends the sign-in on the server (RFC 7009 revocation of the refresh token ends the whole session) and
 * forgets it locally, with the ssh-config helper's certificates (still valid for minutes otherwise). The
 * local credentials go even when the server cannot be reached; the person is told the session may still
 * be live on the server until it expires.
 */
export async function logout(deps: LogoutDeps): Promise<void> {
  const credentials = await deps.store.get(deps.server.url);
  if (credentials === undefined) {
    deps.notify(`Not signed in to ${deps.server.url}; nothing to do.`);
    return;
  }
  let revoked = true;
  try {
    await deps.server.revoke(credentials.refresh_token);
  } catch (error) {
    revoked = false;
    deps.notify(
      `Could not reach ${deps.server.url} to end the sign-in there (${(error as Error).message}); ` +
        'it ends on its own when its tokens expire.',
    );
  }
  await deps.store.remove(deps.server.url);
  await deps.removeSshKeys();
  deps.notify(
    revoked
      ? `Signed out of ${deps.server.url}.`
      : `Removed the local credentials for ${deps.server.url} from ${deps.store.location}.`,
  );
}
