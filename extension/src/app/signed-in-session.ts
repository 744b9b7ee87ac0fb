import { LatchkeyError, isLatchkeyError } from '@latchkey/shared';
import { needsRefresh, rotatedSession } from '../domain/stored-session.js';
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
 * Hands out a valid access token: the stored one while it is fresh, else a refreshed pair (the server
 * rotates refresh tokens, so the new pair is stored before it is used). Concurrent callers share one
 * refresh: two refreshes with the same single-use token would end the session. A refused refresh
 * (revoked, expired, disabled account) signs the person out locally.
 */
export class SignedInSession {
  private refreshing: Promise<StoredSession> | undefined;

  constructor(private readonly deps: SessionDeps) {}

  async current(): Promise<StoredSession | undefined> {
    const session = await this.deps.store.get();
    if (session === undefined || session.serverUrl !== this.deps.server.url) return undefined;
    return session;
  }

  async accessToken(): Promise<string> {
    const session = await this.current();
    if (session === undefined) throw new LatchkeyError('unauthenticated', SIGNED_OUT_MESSAGE);
    if (!needsRefresh(session, this.deps.clock.now())) return session.accessToken;
    return (await this.refresh(session)).accessToken;
  }

  /** Runs `call` with a token; on a 401 (e.g. the token was revoked or expired early) refreshes once and retries. */
  async withAccessToken<T>(call: (accessToken: string) => Promise<T>): Promise<T> {
    const token = await this.accessToken();
    try {
      return await call(token);
    } catch (error) {
      if (!isLatchkeyError(error, 'unauthenticated')) throw error;
      const session = await this.current();
      if (session === undefined) throw error;
      const refreshed = await this.refresh(session);
      return call(refreshed.accessToken);
    }
  }

  private refresh(session: StoredSession): Promise<StoredSession> {
    this.refreshing ??= (async () => {
      try {
        const tokens = await this.deps.server.refresh(session.refreshToken);
        const next = rotatedSession(session, tokens, this.deps.clock.now());
        await this.deps.store.put(next);
        return next;
      } catch (error) {
        if (isLatchkeyError(error, 'unauthenticated')) {
          await this.deps.store.delete();
          throw new LatchkeyError(
            'unauthenticated',
            `your Latchkey sign-in ended (${error.message}); sign in again`,
            {
              cause: error,
            },
          );
        }
        throw error;
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }
}
