import { isLatchkeyError, type SshPrivateKey } from '@latchkey/shared';
import type { IssuedCertificate, MeTarget } from '../domain/access-api.js';
import { chooseUsername } from '../domain/choose-username.js';
import { resolveTarget } from '../domain/resolve-target.js';
import type { TargetCache } from './ports/target-cache.js';
import { withAccessToken } from './signed-in-session.js';
import type { SessionDeps } from './signed-in-session.js';

export interface CertificateFor {
  /** A target id or hostname. */
  target: string;
  /** Undefined: chosen by chooseUsername. */
  username?: string;
  /** The local user's name, chosen when allowed and no other choice is obvious. */
  localUsername?: string;
  /** The key the certificate is for. */
  key: SshPrivateKey;
  /**
   * A recent list of the person's targets (the target cache's) to pick from instead of asking the
   * server first. When the pick turns out wrong (not found, denied), the server's own list decides.
   */
  knownTargets?: readonly MeTarget[];
  /** Told the target and username just before the certificate is asked for (to start ssh meanwhile). */
  onTarget?: (target: MeTarget, username: string) => void;
}

export interface ObtainedCertificate {
  target: MeTarget;
  username: string;
  issued: IssuedCertificate;
  /** The target was picked from `knownTargets` (a recent list), not from a list the server just gave. */
  fromKnownTargets: boolean;
}

export interface ObtainDeps extends SessionDeps {
  /** Where a freshly listed set of targets is kept for the next connection (optional). */
  targetCache?: TargetCache;
}

/**
 * Finds the target among those the person may reach, picks the username, and asks the server for a
 * certificate for `key` (policy is evaluated again there; a denial comes back with the server's reason).
 */
export async function obtainCertificate(
  deps: ObtainDeps,
  request: CertificateFor,
): Promise<ObtainedCertificate> {
  return withAccessToken(deps, async (accessToken) => {
    const issueFrom = async (
      targets: readonly MeTarget[],
      fromKnownTargets: boolean,
    ): Promise<ObtainedCertificate> => {
      const target = resolveTarget(targets, request.target);
      const username = chooseUsername(target, request.username, request.localUsername);
      request.onTarget?.(target, username);
      const issued = await deps.server.issueCertificate(accessToken, {
        target_id: target.id,
        username,
        public_key: request.key.publicKey.toAuthorizedKey(),
      });
      return { target, username, issued, fromKnownTargets };
    };
    if (request.knownTargets !== undefined) {
      try {
        return await issueFrom(request.knownTargets, true);
      } catch (error) {
        // An out-of-date list (a target gone, renamed or ambiguous now, usernames changed): the server's.
        // A denial of a username the person named is the server's answer, whatever the list said.
        const stale =
          isLatchkeyError(error, 'not_found') ||
          isLatchkeyError(error, 'invalid_argument') ||
          (isLatchkeyError(error, 'permission_denied') && request.username === undefined);
        if (!stale) throw error;
        await deps.targetCache?.forget(deps.server.url);
      }
    }
    const targets = await deps.server.myTargets(accessToken);
    // Saved while the certificate is being issued.
    const saving = deps.targetCache?.put(deps.server.url, targets);
    try {
      return await issueFrom(targets, false);
    } finally {
      await saving;
    }
  });
}
