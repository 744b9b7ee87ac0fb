/**
 * Closes ssh2's post-quantum gap: ssh2 1.17 has no post-quantum key exchange, so a front built on it
 * would make connections weaker than OpenSSH's own (10.0+ prefers `mlkem768x25519-sha256`, 10.1+ warns
 * on every connection without one). ssh2 builds its exchanges in a closure (lib/protocol/kex.js
 * `createKeyExchange`), so patches/ssh2+1.17.0.patch adds a small registry there,
 * `registerKeyExchange(name, define)`: `define` gets ssh2's KeyExchange base class and answers a
 * subclass; the name joins ssh2's SUPPORTED_KEX so Server and Client configs accept it.
 *
 * The subclass below fills in the base class's four hooks with mlkem768x25519-sha256.ts:
 * `getPublicKey` (C_INIT from a client, S_REPLY from a server), `convertPublicKey` (the identity: the
 * peer's blob is hashed as sent, never as an mpint), `computeSecret` (K's 32 raw bytes: ssh2 writes
 * what computeSecret answers with a length prefix into H and the key derivation, which for these bytes
 * is exactly the SSH string the draft asks for) and `generateKeys` (unused). ssh2's base class does the
 * rest as for curve25519: SSH_MSG_KEX_ECDH_INIT/REPLY (30/31, the numbers ssh2 calls KEXDH_*), H with
 * SHA-256, the host-key signature, NEWKEYS. Works for ssh2's Server (the agent's front) and Client.
 *
 * Tested with ssh2 1.17.0 (the version the patch file names; patch-package refuses a mismatch):
 * test/integration/shared/ssh2/register-post-quantum-kex.test.ts (ssh2 client against ssh2 server) and
 * test/e2e/front/front-post-quantum.test.ts (OpenSSH 10's client against the front).
 */
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./ssh2-kex-registry.d.ts" />
import ssh2Kex from 'ssh2/lib/protocol/kex.js';
import { mlKem768, type MlKem768 } from './ml-kem-768.js';
import {
  answerClient,
  MLKEM768X25519_SHA256,
  startClient,
  type HybridClient,
} from './mlkem768x25519-sha256.js';
import { TESTED_SSH2_VERSION } from './offer-certificate.js';

export { MLKEM768X25519_SHA256 };

/** What this module relies on in ssh2's KeyExchange (lib/protocol/kex.js). */
interface Ssh2KeyExchange {
  _protocol: { _server: boolean };
  type: string;
  hashName: string;
}
type Ssh2KeyExchangeClass = new (...args: unknown[]) => Ssh2KeyExchange;

let registered: MlKem768 | undefined;

/**
 * Makes `mlkem768x25519-sha256` available to every ssh2 Server and Client of this process (idempotent);
 * answers the ML-KEM implementation in use. Call before constructing one that lists it in
 * `algorithms.kex`.
 */
export function registerPostQuantumKeyExchange(kem: MlKem768 = mlKem768()): MlKem768 {
  if (registered !== undefined) return registered;
  if (typeof ssh2Kex.registerKeyExchange !== 'function') {
    throw new Error(
      `ssh2 lacks Latchkey's key-exchange registry: patches/ssh2+${TESTED_SSH2_VERSION}.patch is not applied ` +
        '(npm install runs patch-package as postinstall)',
    );
  }
  ssh2Kex.registerKeyExchange(MLKEM768X25519_SHA256, (Base: unknown) =>
    defineExchange(Base as Ssh2KeyExchangeClass, kem),
  );
  registered = kem;
  return kem;
}

function defineExchange(Base: Ssh2KeyExchangeClass, kem: MlKem768): Ssh2KeyExchangeClass {
  return class MlKem768X25519Exchange extends Base {
    private client: HybridClient | undefined;
    private serverReply: Buffer | undefined;

    constructor(...args: unknown[]) {
      super(...args);
      this.type = 'mlkem768x25519';
      this.hashName = 'sha256';
    }

    generateKeys(): void {}

    /** A client's C_INIT (made on first use); a server's S_REPLY (made by computeSecret, which ssh2 calls first). */
    getPublicKey(): Buffer | undefined {
      if (this._protocol._server) return this.serverReply;
      this.client ??= startClient(kem);
      return this.client.init;
    }

    convertPublicKey(key: Buffer): Buffer {
      return key;
    }

    /** K's 32 bytes, or the Error that fails the handshake (ssh2's contract for computeSecret). */
    computeSecret(peerBlob: Buffer): Buffer | Error {
      try {
        if (this._protocol._server) {
          const { reply, secret } = answerClient(kem, peerBlob);
          this.serverReply = reply;
          return secret;
        }
        this.client ??= startClient(kem);
        return this.client.finish(peerBlob);
      } catch (error) {
        return error instanceof Error ? error : new Error(String(error));
      }
    }
  };
}
