import type { SshPrivateKey } from '@latchkey/shared';
import type { IssuedCertificate, MeTarget } from '../domain/access-api.js';
import { chooseUsername } from '../domain/choose-username.js';
import { resolveTarget } from '../domain/resolve-target.js';
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
}

export interface ObtainedCertificate {
  target: MeTarget;
  username: string;
  issued: IssuedCertificate;
}

/**
 * Finds the target among those the person may reach, picks the username, and asks the server for a
 * certificate for `key` (policy is evaluated again there; a denial comes back with the server's reason).
 */
export async function obtainCertificate(
  deps: SessionDeps,
  request: CertificateFor,
): Promise<ObtainedCertificate> {
  return withAccessToken(deps, async (accessToken) => {
    const target = resolveTarget(await deps.server.myTargets(accessToken), request.target);
    const username = chooseUsername(target, request.username, request.localUsername);
    const issued = await deps.server.issueCertificate(accessToken, {
      target_id: target.id,
      username,
      public_key: request.key.publicKey.toAuthorizedKey(),
    });
    return { target, username, issued };
  });
}
