import { SignedInTokens } from '@latchkey/shared';
import { rotatedSession } from '../domain/stored-session.js';
import type { StoredSession } from '../domain/stored-session.js';
import type { AccessServer } from './ports/access-server.js';
import type { Clock } from './ports/environment.js';
import type { SessionStore } from './ports/session-store.js';

export interface SessionDeps {
  server: AccessServer;
  store: SessionStore;
  clock: Clock;
}

export const SIGNED_OUT_MESSAGE = 'you are signed out of Latchkey: run "Latchkey: Sign In"';

/**
 * Hands out a valid access token (shared/src/client/signed-in-tokens.ts): the stored one while it is fresh,
 * else a refreshed pair (the server rotates refresh tokens, so the new pair is stored before it is used).
 * Concurrent callers share one refresh: two refreshes with the same single-use token would end the session.
 * A refused refresh (revoked, expired, disabled account) signs the person out locally.
 */
export class SignedInSession {
  private readonly tokens: SignedInTokens<StoredSession>;

  constructor(private readonly deps: SessionDeps) {
    const { store, server } = deps;
    this.tokens = new SignedInTokens<StoredSession>({
      server,
      clock: deps.clock,
      store: {
        read: () => this.current(),
        tokensOf: (session) => session,
        rotate: async (session, tokens, now) => {
          const next = rotatedSession(session, tokens, now);
          await store.put(next);
          return next;
        },
        forget: () => store.delete(),
        // One extension host per window; VS Code's SecretStorage has no lock to take across them.
        exclusive: (action) => action(),
      },
      messages: {
        signedOut: SIGNED_OUT_MESSAGE,
        ended: (why) => `your Latchkey sign-in ended (${why}); sign in again`,
        refused: (why) => `the server refused your Latchkey sign-in (${why}); sign in again`,
      },
    });
  }

  /** The stored session, when it is for this server (a session for another server is never used). */
  async current(): Promise<StoredSession | undefined> {
    const session = await this.deps.store.get();
    if (session === undefined || session.serverUrl !== this.deps.server.url) return undefined;
    return session;
  }

  accessToken(): Promise<string> {
    return this.tokens.accessToken();
  }

  /** Runs `call` with a token; on a 401 (e.g. the token was revoked or expired early) refreshes once and retries. */
  withAccessToken<T>(call: (accessToken: string) => Promise<T>): Promise<T> {
    return this.tokens.withAccessToken(call);
  }
}
