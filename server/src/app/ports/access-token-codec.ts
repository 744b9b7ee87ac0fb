/**
 * Access tokens: short-lived signed JWTs naming a sign-in session (adapters/crypto/jose-access-tokens.ts).
 * The signature and expiry make a token valid; the session behind it is checked by the caller on every
 * request, so revocation takes effect at once.
 */
export interface AccessTokenClaims {
  /** The person's email. */
  subject: string;
  sessionId: string;
  accountId: string;
  expiresAt: Date;
}

export interface AccessTokenCodec {
  issue(claims: AccessTokenClaims): Promise<string>;
  /** Throws LatchkeyError('unauthenticated') saying what is wrong (malformed, bad signature, expired). */
  verify(token: string): Promise<AccessTokenClaims>;
}
