/**
 * Lets the front's ssh2 Server present an OpenSSH host certificate (DESIGN.md flow 2): ssh2 1.17 has
 * no way to, and its host-key table and KEXINIT offer are private to its Server constructor. The
 * project's patch (patches/ssh2+1.17.0.patch) keeps both reachable (`_hostKeys`, `_algorithms`,
 * `_offer`, read for each new connection) and lets a host-key entry name the signature algorithm of the
 * KEX reply (`kexSignatureAlgorithm`); this module does the rest:
 *
 * - the entry for `ssh-ed25519-cert-v01@openssh.com` hands out the certificate blob as K_S (what the
 *   client verifies against its @cert-authority) and signs the exchange hash with the front's own key,
 *   the signature named `ssh-ed25519` (RFC 4253 8 with PROTOCOL.certkeys: a certificate signs as its key);
 * - the offer lists that algorithm first, then the plain key, so OpenSSH clients that know the host CA
 *   pick the certificate and clients without it still get the plain key.
 *
 * Replacing the certificate (renewal) changes what later connections see; open ones keep theirs.
 * Tested against real OpenSSH clients in test/e2e/front/front-host-certificate.test.ts.
 */
import ssh2 from 'ssh2';
import type { ParsedKey } from 'ssh2';
import { parseCertificate } from '@latchkey/shared/ssh/parse-certificate';
import { TESTED_SSH2_VERSION } from '@latchkey/shared/ssh2/offer-certificate';

interface HostKeyEntry {
  readonly type: string;
  getPublicSSH(): Buffer;
  sign(data: Buffer, algo?: string): Buffer | Error;
  getPrivatePEM(): string;
  /** Read by the patched KEX reply: the signature's algorithm name. */
  readonly kexSignatureAlgorithm?: string;
}

interface PatchedServer {
  _hostKeys?: Record<string, HostKeyEntry>;
  _algorithms?: { serverHostKey: string[] } & Record<string, unknown>;
  _offer?: { constructor: new (algorithms: unknown) => unknown };
}

/**
 * Makes `server` present `certificateLine` (an OpenSSH certificate of the key in `hostKeyOpenSsh`), or
 * only the plain key when it is undefined. Throws when the certificate is not one of that key, or when
 * ssh2 is not the patched version this was written for.
 */
export function presentHostCertificate(
  server: InstanceType<typeof ssh2.Server>,
  hostKeyOpenSsh: string,
  certificateLine: string | undefined,
): void {
  const patched = server as unknown as PatchedServer;
  const hostKeys = patched._hostKeys;
  const algorithms = patched._algorithms;
  const KexInit = patched._offer?.constructor;
  if (hostKeys === undefined || algorithms === undefined || KexInit === undefined) {
    throw new Error(
      `ssh2 is not patched for host certificates (patches/ssh2+${TESTED_SSH2_VERSION}.patch): run npm install`,
    );
  }
  const parsed = ssh2.utils.parseKey(hostKeyOpenSsh);
  const key = (Array.isArray(parsed) ? parsed[0] : parsed) as ParsedKey | Error;
  if (key instanceof Error) throw key;
  const keyAlgorithm = key.type;
  const plain = algorithms.serverHostKey.filter((name) => !name.includes('-cert-v01@openssh.com'));
  for (const name of Object.keys(hostKeys)) {
    if (name.includes('-cert-v01@openssh.com')) delete hostKeys[name];
  }
  let offered = plain;
  if (certificateLine !== undefined) {
    const certificate = parseCertificate(certificateLine.trim());
    if (certificate.type !== 'host') throw new Error('the front host certificate is not a host certificate');
    const keyBlob = key.getPublicSSH();
    if (!Buffer.from(certificate.subjectKey.blob).equals(keyBlob)) {
      throw new Error("the front host certificate is not one of the front's host key");
    }
    const blob = Buffer.from(certificate.blob);
    hostKeys[certificate.certType] = {
      type: keyAlgorithm,
      kexSignatureAlgorithm: keyAlgorithm,
      getPublicSSH: () => blob,
      sign: (data, algo) => key.sign(data, algo),
      getPrivatePEM: () => key.getPrivatePEM(),
    };
    offered = [certificate.certType, ...plain];
  }
  algorithms.serverHostKey = offered;
  patched._offer = new KexInit({ ...algorithms, serverHostKey: offered }) as PatchedServer['_offer'];
}
