/**
 * A client's sign-in between calls: hands out a valid access token, refreshing the pair when the access
 * token is about to expire or the server answers 401 (a token it no longer honours). A pure flow over the
 * token endpoint, the client's store and a clock; the CLI keeps its sign-ins in a file per server, the
 * extension in VS Code's SecretStorage.
 *
 * Refresh tokens are single-use (the server rotates them), so a refresh must never run twice with one
 * token: concurrent callers in one process share one refresh, and the store's `exclusive` keeps other
 * processes out (the CLI's file lock); under it the stored pair is read again, and when another process
 * has refreshed meanwhile its pair is used. A refused refresh ends the sign-in: the stored one is removed.
 */
import type { TokenSet } from '../api/device-flow.js';
import { LatchkeyError, isLatchkeyError } from '../errors/latchkey-error.js';
import { LIMITS } from '../limits.js';
import type { Clock } from '../time/clock.js';

/** The token pair of a stored sign-in. */
export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  /** Epoch milliseconds; NaN when the store's record does not say (it is then refreshed). */
  accessTokenExpiresAt: number;
}

/** The client's store of one sign-in (`S` is what it keeps: the pair and what else it wants). */
export interface SignInStore<S> {
  read(): Promise<S | undefined>;
  tokensOf(session: S): TokenPair;
  /** Stores `session` with the rotated pair `tokens` received at `now`, and returns what it stored. */
  rotate(session: S, tokens: TokenSet, now: number): Promise<S>;
  /** Removes the sign-in (its refresh was refused). */
  forget(): Promise<void>;
  /** Runs `action` while no other process runs one for the same store (a lock file); else just runs it. */
  exclusive<T>(action: () => Promise<T>): Promise<T>;
}

/** What the person is told, in the client's terms (which command or menu signs in again). */
export interface SignInMessages {
  /** There is no sign-in. */
  signedOut: string;
  /** The refresh token was refused (`why`: the server's words); the sign-in is removed. */
  ended(why: string): string;
  /** The server refused a freshly refreshed token too. */
  refused(why: string): string;
}

export interface SignedInTokensDeps<S> {
  server: { refresh(refreshToken: string): Promise<TokenSet> };
  store: SignInStore<S>;
  clock: Pick<Clock, 'now'>;
  messages: SignInMessages;
}

/** Whether an access token expiring at `expiresAt` (epoch ms, NaN when unknown) should be refreshed `now`. */
export function accessTokenNeedsRefresh(expiresAt: number, now: number): boolean {
  return !Number.isFinite(expiresAt) || now >= expiresAt - LIMITS.client.refreshMarginMs;
}

export class SignedInTokens<S> {
  private refreshing: Promise<S> | undefined;

  constructor(private readonly deps: SignedInTokensDeps<S>) {}

  /** The stored sign-in, or `unauthenticated` with the signed-out message. */
  async session(): Promise<S> {
    const session = await this.deps.store.read();
    if (session === undefined) throw new LatchkeyError('unauthenticated', this.deps.messages.signedOut);
    return session;
  }

  /** A valid access token: the stored one while it is fresh, else a refreshed one. */
  async accessToken(): Promise<string> {
    const { accessToken, accessTokenExpiresAt } = this.deps.store.tokensOf(await this.session());
    if (!accessTokenNeedsRefresh(accessTokenExpiresAt, this.deps.clock.now())) return accessToken;
    return this.deps.store.tokensOf(await this.refresh(accessToken)).accessToken;
  }

  /**
   * Runs `call` with a valid token; on a 401 (`unauthenticated`) refreshes once and retries. A second 401
   * says the server refused the sign-in and how to sign in again.
   */
  async withAccessToken<T>(call: (accessToken: string) => Promise<T>): Promise<T> {
    const token = await this.accessToken();
    try {
      return await call(token);
    } catch (error) {
      if (!isLatchkeyError(error, 'unauthenticated')) throw error;
    }
    const refreshed = this.deps.store.tokensOf(await this.refresh(token)).accessToken;
    try {
      return await call(refreshed);
    } catch (error) {
      if (!isLatchkeyError(error, 'unauthenticated')) throw error;
      throw new LatchkeyError('unauthenticated', this.deps.messages.refused(error.message), {
        cause: error,
      });
    }
  }

  /** Refreshes the pair whose access token is `staleAccessToken`; callers meanwhile share the one refresh. */
  private refresh(staleAccessToken: string): Promise<S> {
    this.refreshing ??= this.deps.store
      .exclusive(async () => {
        const { store, server, clock, messages } = this.deps;
        const current = await this.session();
        const pair = store.tokensOf(current);
        if (
          pair.accessToken !== staleAccessToken &&
          !accessTokenNeedsRefresh(pair.accessTokenExpiresAt, clock.now())
        ) {
          return current;
        }
        let tokens: TokenSet;
        try {
          tokens = await server.refresh(pair.refreshToken);
        } catch (error) {
          if (!isLatchkeyError(error, 'unauthenticated')) throw error;
          await store.forget();
          throw new LatchkeyError('unauthenticated', messages.ended(error.message), { cause: error });
        }
        return store.rotate(current, tokens, clock.now());
      })
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }
}
