/**
 * Closes ssh2's host-certificate gap on the client side: ssh2 1.17's Client accepts only plain host
 * keys. An OpenSSH host certificate (PROTOCOL.certkeys) is sent as K_S, and the exchange hash is signed
 * by the certificate's own key under that key's algorithm (`ssh-ed25519`), so ssh2 refuses both the
 * algorithm name and the signature. patches/ssh2+1.17.0.patch adds a registry to lib/protocol/kex.js,
 * `registerHostKeyFormat(name, signingKeyOf)`: the name joins ssh2's SUPPORTED_SERVER_HOST_KEY, and for
 * it the signature is checked against the key `signingKeyOf(K_S)` answers. The hostVerifier still gets
 * the whole certificate blob: checking the certificate itself (CA, type, principal, validity) is the
 * caller's job (extension/src/domain/host-certificate-check.ts).
 *
 * Tested against the agent's front (ssh2's Server, patched to present a certificate) in
 * test/e2e/extension/front-host-certificate.test.ts.
 */
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./ssh2-kex-registry.d.ts" />
import ssh2Kex from 'ssh2/lib/protocol/kex.js';
import { parseCertificate } from '../ssh/parse-certificate.js';
import { TESTED_SSH2_VERSION } from './offer-certificate.js';

/** The certificate host key algorithms this registers (Ed25519 and ECDSA P-256 keys; not RSA). */
export const HOST_CERTIFICATE_ALGORITHMS = [
  'ssh-ed25519-cert-v01@openssh.com',
  'ecdsa-sha2-nistp256-cert-v01@openssh.com',
] as const;

let registered = false;

/** Lets every ssh2 Client of this process accept HOST_CERTIFICATE_ALGORITHMS (idempotent). */
export function acceptHostCertificates(): void {
  if (registered) return;
  const register = ssh2Kex.registerHostKeyFormat;
  if (typeof register !== 'function') {
    throw new Error(
      `ssh2 lacks Latchkey's host-key-format registry: patches/ssh2+${TESTED_SSH2_VERSION}.patch is not applied ` +
        '(npm install runs patch-package as postinstall)',
    );
  }
  for (const name of HOST_CERTIFICATE_ALGORITHMS) {
    register(name, (blob) => {
      try {
        const certificate = parseCertificate(new Uint8Array(blob));
        if (certificate.certType !== name) return undefined;
        return { type: certificate.subjectKey.sshType, blob: Buffer.from(certificate.subjectKey.blob) };
      } catch {
        return undefined;
      }
    });
  }
  registered = true;
}
