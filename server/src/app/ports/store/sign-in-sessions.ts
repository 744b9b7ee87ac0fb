/**
 * Sign-in sessions: what a person's access and refresh tokens stand for.
 * Part of the store port (../store.ts, which states the contract every repository keeps).
 */
import type { SignInSessionRecord } from '../../../domain/records.js';

export type SignInSessionInput = Omit<
  SignInSessionRecord,
  'id' | 'accountId' | 'createdAt' | 'refreshedAt' | 'revokedAt'
>;

export interface SignInSessionRepository {
  create(accountId: string, input: SignInSessionInput): Promise<SignInSessionRecord>;
  /** Not scoped by account: the id comes from a token the server signed. */
  get(id: string): Promise<SignInSessionRecord | undefined>;
  /**
   * The session and the state of its built-in account in one read (every request checks both):
   * `none` for sessions of upstream providers, `missing` when the account was deleted.
   */
  getWithAccountState(
    id: string,
  ): Promise<
    { session: SignInSessionRecord; account: 'none' | 'enabled' | 'disabled' | 'missing' } | undefined
  >;
  findByRefreshHash(refreshTokenHash: string): Promise<SignInSessionRecord | undefined>;
  /**
   * Replaces the refresh token only if it is still `currentHash` (compare-and-swap), so a refresh token
   * is used at most once even by two concurrent requests. Returns whether it was replaced.
   */
  rotateRefreshToken(
    id: string,
    currentHash: string,
    next: { refreshTokenHash: string; refreshExpiresAt: Date },
  ): Promise<boolean>;
  /**
   * The session whose refresh token once was `refreshTokenHash` and has been rotated away since (the
   * hashes of rotated tokens are kept, so a replay is recognised), if any.
   */
  findByRetiredRefreshHash(refreshTokenHash: string): Promise<SignInSessionRecord | undefined>;
  /** Revokes the session; true when it was not revoked before. */
  revoke(id: string): Promise<boolean>;
  /** Revokes every unrevoked session of the built-in account; their ids. */
  revokeAllOfUser(accountId: string, userId: string): Promise<string[]>;
  /** Revokes every unrevoked session whose email is `email` (lowercased), whatever signed it in; their ids. */
  revokeAllOfEmail(accountId: string, email: string): Promise<string[]>;
}
