import { LatchkeyError, isLatchkeyError } from '@latchkey/shared';
import { accessTokenNeedsRefresh, credentialsFromTokens } from '../domain/credentials.js';
import type { Credentials } from '../domain/credentials.js';
import type { AccessServer } from './ports/access-server.js';
import type { CredentialStore } from './ports/credential-store.js';
import type { Clock } from './ports/environment.js';

export interface SessionDeps {
  server: AccessServer;
  store: CredentialStore;
  clock: Clock;
}

export function notSignedIn(server: string): LatchkeyError {
  return new LatchkeyError(
    'unauthenticated',
    `not signed in to ${server}: run \`latchkey login --server ${server}\``,
  );
}

/**
 * Calls the server with the stored access token, refreshing it first when it has expired and once more
 * when the server answers 401 (a token the server no longer honours). Refresh tokens rotate: the new one
 * is saved before the call is retried. A refused refresh ends the sign-in: the credentials are removed
 * and the error says to log in again.
 */
export async function withAccessToken<T>(
  deps: SessionDeps,
  call: (accessToken: string) => Promise<T>,
): Promise<T> {
  let credentials = await deps.store.get(deps.server.url);
  if (credentials === undefined) throw notSignedIn(deps.server.url);
  if (accessTokenNeedsRefresh(credentials, deps.clock.now())) {
    credentials = await refreshCredentials(deps, credentials.access_token);
  }
  try {
    return await call(credentials.access_token);
  } catch (error) {
    if (!isLatchkeyError(error, 'unauthenticated')) throw error;
  }
  credentials = await refreshCredentials(deps, credentials.access_token);
  try {
    return await call(credentials.access_token);
  } catch (error) {
    if (!isLatchkeyError(error, 'unauthenticated')) throw error;
    throw new LatchkeyError(
      'unauthenticated',
      `${deps.server.url} refused your sign-in (${error.message}); run \`latchkey login --server ${deps.server.url}\``,
      { cause: error },
    );
  }
}

/**
 * Refreshes under the store's lock. Another latchkey process may have refreshed meanwhile (the stored
 * access token is no longer `staleAccessToken`, or is fresh): then its result is used, because the
 * refresh token we read before is spent.
 */
async function refreshCredentials(deps: SessionDeps, staleAccessToken: string): Promise<Credentials> {
  return deps.store.exclusive(async () => {
    const current = await deps.store.get(deps.server.url);
    if (current === undefined) throw notSignedIn(deps.server.url);
    if (current.access_token !== staleAccessToken && !accessTokenNeedsRefresh(current, deps.clock.now())) {
      return current;
    }
    let tokens;
    try {
      tokens = await deps.server.refresh(current.refresh_token);
    } catch (error) {
      if (!isLatchkeyError(error, 'unauthenticated')) throw error;
      await deps.store.remove(deps.server.url);
      throw new LatchkeyError(
        'unauthenticated',
        `your sign-in to ${deps.server.url} has ended (${error.message}); run \`latchkey login --server ${deps.server.url}\``,
        { cause: error },
      );
    }
    const refreshed = credentialsFromTokens(deps.server.url, tokens, deps.clock.now());
    await deps.store.put(refreshed);
    return refreshed;
  });
}
