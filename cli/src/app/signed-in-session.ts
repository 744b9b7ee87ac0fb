import { LatchkeyError, SignedInTokens } from '@latchkey/shared';
import { credentialsFromTokens } from '../domain/credentials.js';
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
 * when the server answers 401 (shared/src/client/signed-in-tokens.ts). Refresh tokens rotate: the new one
 * is saved before the call is retried, under the credentials file's lock (another latchkey process may
 * have refreshed meanwhile: its pair is then used). A refused refresh ends the sign-in: the credentials are
 * removed and the error says to log in again.
 */
export function withAccessToken<T>(deps: SessionDeps, call: (accessToken: string) => Promise<T>): Promise<T> {
  return signedInTokens(deps).withAccessToken(call);
}

function signedInTokens(deps: SessionDeps): SignedInTokens<Credentials> {
  const { server, store } = deps;
  const login = `run \`latchkey login --server ${server.url}\``;
  return new SignedInTokens<Credentials>({
    server,
    clock: deps.clock,
    store: {
      read: () => store.get(server.url),
      tokensOf: (credentials) => ({
        accessToken: credentials.access_token,
        refreshToken: credentials.refresh_token,
        accessTokenExpiresAt: Date.parse(credentials.expires_at),
      }),
      rotate: async (_credentials, tokens, now) => {
        const refreshed = credentialsFromTokens(server.url, tokens, now);
        await store.put(refreshed);
        return refreshed;
      },
      forget: async () => {
        await store.remove(server.url);
      },
      exclusive: (action) => store.exclusive(action),
    },
    messages: {
      signedOut: notSignedIn(server.url).message,
      ended: (why) => `your sign-in to ${server.url} has ended (${why}); ${login}`,
      refused: (why) => `${server.url} refused your sign-in (${why}); ${login}`,
    },
  });
}
