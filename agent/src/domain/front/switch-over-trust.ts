/**
 * Which keys sshd's ca.pub gets while a host installed by an agent before the SSH front switches over
 * (docs/agent.md, "Upgrading from an agent before the front"). Pure: the CA file's text in, keys out.
 *
 * Such a host's ca.pub holds the account CA (its old agent let people's certificates into sshd
 * directly, through a force-command recorder). Today's agent makes sshd trust only the host-local CA,
 * whose certificates its front makes for its inner logins. Swapping one for the other at once would leave
 * a moment in which neither path works: the server hands out certificates for the front only once the
 * agent's heartbeat has reported it, and the front's inner logins work only once sshd trusts the host CA.
 * So the switch is done in steps, each of which keeps a way in:
 *
 *   1. the front listens (main.ts starts it before the daemon's first cycle);
 *   2. ca.pub trusts the account CA *and* the host CA (`transition`): both ways in work;
 *   3. the heartbeat reports the front: the server now binds certificates to this target's front;
 *   4. ca.pub trusts the host CA only (`front-only`), and the leftovers of the old recorder go.
 *
 * A host whose ca.pub does not hold an account key (a fresh install, or one already switched) goes to
 * `front-only` at once.
 */
import { caKeyFingerprint, managedCaKeyFingerprints } from '../sshd/merge-ca-file.js';

export type SwitchOverStage = 'transition' | 'front-only';

/** The stage to start in: `transition` when sshd trusts an account CA key directly today. */
export function initialSwitchOverStage(
  caFileText: string | undefined,
  accountCaKeys: readonly string[],
): SwitchOverStage {
  if (caFileText === undefined) return 'front-only';
  let managed: string[];
  try {
    managed = managedCaKeyFingerprints(caFileText);
  } catch {
    // A damaged block: the CA merge reports it; nothing is trusted directly that this step must keep.
    return 'front-only';
  }
  const account = new Set(accountCaKeys.map(caKeyFingerprint).filter((fp) => fp !== undefined));
  return managed.some((fp) => account.has(fp)) ? 'transition' : 'front-only';
}

/** What ca.pub's managed block holds at `stage`. */
export function switchOverKeys(
  stage: SwitchOverStage,
  accountCaKeys: readonly string[],
  hostCaPublicKey: string,
): string[] {
  return stage === 'transition' ? [...accountCaKeys, hostCaPublicKey] : [hostCaPublicKey];
}
