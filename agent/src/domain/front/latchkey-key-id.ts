/**
 * The person and the Latchkey session a certificate names: its key id is `<email> session=<uuid>`
 * (server/src/app/sign-in/my-access.ts). The front names a session's log after them.
 */

export interface CertificateIdentity {
  readonly keyId: string;
  readonly email: string | undefined;
  readonly sessionId: string | undefined;
}

/** `alice@example.com session=0f…` → email and session id; anything else keeps only the key id. */
export function parseLatchkeyKeyId(keyId: string): CertificateIdentity {
  const match = /^(\S+) session=([A-Za-z0-9-]{1,64})$/.exec(keyId);
  return match
    ? { keyId, email: match[1], sessionId: match[2] }
    : { keyId, email: undefined, sessionId: undefined };
}
