/**
 * When the agent renews its credential: once less than a third of its life is left (by default 30 days,
 * so after 20), early enough that a host offline for days still renews before it expires.
 */
export function shouldRenewCredential(
  credential: { readonly issuedAt: Date; readonly expiresAt: Date },
  now: Date,
): boolean {
  const life = credential.expiresAt.getTime() - credential.issuedAt.getTime();
  return credential.expiresAt.getTime() - now.getTime() < life / 3;
}
