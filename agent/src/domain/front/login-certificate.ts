/**
 * The front's decision on a person's publickey login (DESIGN.md flows 5 and 6): the certificate must be
 * signed by the account CA, valid now, name the requested UNIX user, carry no option the front cannot
 * honour, and be bound to this target by TARGET_BINDING_OPTION; a signed attempt must carry a valid
 * signature by the certificate's own key over the session. Pure: the trust, the clock and the attempt
 * come in, a verdict goes out. Expected refusals are values, with the reason sshd would log.
 */
import type { SshCertificate } from '@latchkey/shared/ssh/certificate';
import { parseCertificate } from '@latchkey/shared/ssh/parse-certificate';
import type { SshPublicKey } from '@latchkey/shared/ssh/ssh-public-key';
import { verifySshSignature } from '@latchkey/shared/ssh/ssh-signature';
import { SshWireReader } from '@latchkey/shared/ssh/ssh-wire';
import { TARGET_BINDING_OPTION } from '@latchkey/shared/ssh/target-binding';
import { verifyCertificate } from '@latchkey/shared/ssh/verify-certificate';
import { parseLatchkeyKeyId } from './latchkey-key-id.js';

/** What the front trusts right now: its own target and the account's CA keys. */
export interface FrontTrust {
  readonly targetId: string;
  readonly accountCaKeys: readonly SshPublicKey[];
}

export interface LoginAttempt {
  /** The algorithm the client named, e.g. `ssh-ed25519-cert-v01@openssh.com`. */
  readonly keyAlgorithm: string;
  readonly keyBlob: Uint8Array;
  readonly username: string;
  readonly clientAddress: string;
  /** Absent for the client's "would you accept this key?" query. */
  readonly signature?: { readonly signedData: Uint8Array; readonly signatureBlob: Uint8Array };
}

export type LoginVerdict =
  | {
      readonly ok: true;
      readonly certificate: SshCertificate;
      readonly person: string;
      /** The Latchkey session named in the key id; undefined for a key id of another shape. */
      readonly sessionId: string | undefined;
    }
  | { readonly ok: false; readonly reason: string };

const CERTIFICATE_ALGORITHM = /-cert-v01@openssh\.com$/;

/** Critical options a front refuses: it runs what the client asks for, recorded, and has no FIDO check. */
const UNHONOURED_OPTIONS = ['force-command', 'verify-required'] as const;

export function checkLoginCertificate(
  attempt: LoginAttempt,
  trust: FrontTrust | undefined,
  now: Date,
): LoginVerdict {
  if (trust === undefined) {
    return refuse('this target is not registered with the access server yet: no login is possible');
  }
  if (!CERTIFICATE_ALGORITHM.test(attempt.keyAlgorithm)) {
    return refuse(`a plain ${attempt.keyAlgorithm} key: only Latchkey certificates log in here`);
  }
  let certificate: SshCertificate;
  try {
    certificate = parseCertificate(attempt.keyBlob);
  } catch (error) {
    return refuse(`the certificate cannot be read: ${(error as Error).message}`);
  }
  if (!algorithmFits(attempt.keyAlgorithm, certificate)) {
    return refuse(`the certificate is a ${certificate.certType}, not the ${attempt.keyAlgorithm} offered`);
  }
  const verdict = verifyCertificate(certificate, {
    trustedCaKeys: [...trust.accountCaKeys],
    now,
    principal: attempt.username,
    sourceAddress: attempt.clientAddress,
    understoodCriticalOptions: [TARGET_BINDING_OPTION],
  });
  if (!verdict.ok) return refuse(verdict.message);
  const boundTo = certificate.criticalOptions[TARGET_BINDING_OPTION];
  if (boundTo === undefined) {
    return refuse('the certificate is not bound to a target (no target@latchkey.dev option)');
  }
  if (boundTo.toLowerCase() !== trust.targetId.toLowerCase()) {
    return refuse(`the certificate is bound to target ${boundTo}, not to this one (${trust.targetId})`);
  }
  const unhonoured = UNHONOURED_OPTIONS.find((name) => certificate.criticalOptions[name] !== undefined);
  if (unhonoured !== undefined) return refuse(`the certificate carries ${unhonoured}, which a front refuses`);
  if (attempt.signature !== undefined && !signatureVerifies(certificate, attempt.signature)) {
    return refuse("the signature does not verify with the certificate's key");
  }
  const identity = parseLatchkeyKeyId(certificate.keyId);
  return {
    ok: true,
    certificate,
    person: identity.email ?? certificate.keyId,
    sessionId: identity.sessionId,
  };
}

/** `rsa-sha2-512-cert-v01@openssh.com` fits an RSA certificate; every other name must be the type itself. */
function algorithmFits(algorithm: string, certificate: SshCertificate): boolean {
  if (algorithm === certificate.certType) return true;
  return (
    certificate.certType === 'ssh-rsa-cert-v01@openssh.com' &&
    (algorithm === 'rsa-sha2-256-cert-v01@openssh.com' || algorithm === 'rsa-sha2-512-cert-v01@openssh.com')
  );
}

function signatureVerifies(
  certificate: SshCertificate,
  signature: { readonly signedData: Uint8Array; readonly signatureBlob: Uint8Array },
): boolean {
  try {
    const reader = new SshWireReader(signature.signatureBlob, 'signature');
    const algorithm = reader.text('signature algorithm');
    const bytes = reader.string('signature bytes');
    reader.finish();
    return verifySshSignature(certificate.subjectKey, signature.signedData, { algorithm, bytes });
  } catch {
    return false;
  }
}

function refuse(reason: string): LoginVerdict {
  return { ok: false, reason };
}
