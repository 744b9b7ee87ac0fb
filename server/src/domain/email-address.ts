/**
 * An email address as Latchkey uses one (a person's name in policies, certificates and audit events):
 * exactly one address, `local@domain`, lowercased. Refused: more than one `@`
 * (`mallory@evil.example@corp.example` would match the corp.example domain rule by its end), quoted or
 * commented forms, spaces and control characters, an empty or dotted-wrong local part, and a domain that
 * is not a dotted host name. Stricter than RFC 5322 on purpose: what is accepted reads one way only.
 */
import { hostnameProblem } from '@latchkey/shared';

const LOCAL_PART = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;

/** The address lowercased, or undefined when `text` is not exactly one plain email address. */
export function parseEmailAddress(text: string): string | undefined {
  const email = text.trim().toLowerCase();
  if (email.length > 320) return undefined;
  const at = email.indexOf('@');
  if (at <= 0 || at !== email.lastIndexOf('@')) return undefined;
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (local.length > 64 || !LOCAL_PART.test(local)) return undefined;
  if (hostnameProblem(domain) !== undefined || !domain.includes('.')) return undefined;
  return email;
}

export type UpstreamEmail = { ok: true; email: string } | { ok: false; problem: string };

/**
 * The email an upstream ID token gives (`claims[emailClaim]`), used only when it is exactly one address
 * and the provider says `email_verified: true` (or is trusted with unverified emails). `problem` is said
 * to the person signing in (`provider` names the provider).
 */
export function upstreamEmail(
  claims: Readonly<Record<string, unknown>>,
  settings: { emailClaim: string; trustUnverifiedEmail: boolean; provider: string },
): UpstreamEmail {
  const { emailClaim, provider } = settings;
  const claimed = claims[emailClaim];
  if (typeof claimed !== 'string' || !claimed.includes('@')) {
    return {
      ok: false,
      problem:
        `${provider} did not say your email: its ID token has no ${JSON.stringify(emailClaim)} claim with an ` +
        'email address. The administrator must request the email scope or map claims.email to the claim ' +
        'that holds it',
    };
  }
  const email = parseEmailAddress(claimed);
  if (email === undefined) {
    return {
      ok: false,
      problem:
        `${provider} gave your email as ${JSON.stringify(claimed)}, which is not exactly one plain email ` +
        'address (one @, no quotes or spaces); Latchkey does not guess which part is the address',
    };
  }
  const verified = claims.email_verified;
  if (verified !== true && verified !== 'true' && !settings.trustUnverifiedEmail) {
    const said =
      verified === false || verified === 'false'
        ? `says your email ${email} is not verified`
        : `does not say that your email ${email} is verified`;
    return {
      ok: false,
      problem:
        `${provider} ${said}; verify it with ${provider} and sign in again (or the administrator sets ` +
        'trust_unverified_email for this provider, if it verifies emails itself)',
    };
  }
  return { ok: true, email };
}
