/**
 * When the front's login to the local sshd is worth trying again. sshd is briefly not there while it
 * re-executes on SIGHUP (the agent's own reload after a drift repair, a package upgrade, an admin's
 * `systemctl reload ssh`): the listening socket is closed and opened again by the new image, and a
 * connection that arrives in between is refused or reset. Without a retry, a person who logs in at that
 * moment is refused by the front although nothing is wrong with their access.
 *
 * Only failures of the connection itself are retried, never sshd's refusal of the login (ssh2's level
 * `client-authentication`: sshd decided, and asking again would only fill its auth log) nor ssh2's
 * ready timeout (the login's own grace is as long). A host key that did not verify is retried too: the
 * endpoint is read again first, from sshd's own files, so a regenerated host key is picked up and
 * anything else listening on the port is still refused.
 */

/** Waits between attempts: about 3 s in all, longer than sshd's re-exec takes on a loaded host. */
export const INNER_LOGIN_RETRY_DELAYS_MS: readonly number[] = [100, 200, 400, 800, 1600];

const NOT_RETRIED_LEVELS = new Set(['client-authentication', 'client-timeout']);

/** True when `error` (from InnerSshdConnection.authenticate or the endpoint read) may pass if tried again. */
export function isRetriableInnerFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const level = (error as Error & { level?: unknown }).level;
  return typeof level !== 'string' || !NOT_RETRIED_LEVELS.has(level);
}
