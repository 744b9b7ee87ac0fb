/**
 * ML-KEM-768 (FIPS 203), the post-quantum half of the SSH front's `mlkem768x25519-sha256` key exchange
 * (mlkem768x25519-sha256.ts). Two implementations behind one narrow interface, chosen once per process:
 *
 * - Node's own crypto (OpenSSL 3.5's ML-KEM: `crypto.encapsulate`/`decapsulate`, Node 24.7 and later).
 *   Preferred: OpenSSL is the best-kept implementation within reach, and it is what the packaged agent
 *   runs (scripts/package-agent.mjs bundles Node 24.21.0, whose OpenSSL 3.5.8 has ML-KEM).
 * - @noble/post-quantum's `ml_kem768`, for runtimes without it: Node 20, on which dev and the tests run
 *   the agent and the VS Code extension's ssh2 client runs inside VS Code's own Node. Audit status (its
 *   README, 0.7.1): not independently audited; self-audited at 0.6.1 (April 2026). Its dependencies
 *   @noble/hashes and @noble/curves were independently audited. Well kept (same author as the audited noble
 *   libraries, minimal, no native code), and it checks FIPS 203's encapsulation-key modulus as OpenSSL does.
 *
 * Both are checked against each other and against a NIST ACVP key-generation vector in
 * test/integration/shared/ssh2/ml-kem-768.test.ts, and against OpenSSH 10 end to end
 * (test/e2e/front/front-post-quantum.test.ts).
 */
import * as nodeCrypto from 'node:crypto';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';

export const ML_KEM_768_ENCAPSULATION_KEY_BYTES = 1184;
export const ML_KEM_768_CIPHERTEXT_BYTES = 1088;
export const ML_KEM_768_SHARED_SECRET_BYTES = 32;

export interface MlKem768DecapsulationKey {
  /** The 1184-byte encapsulation (public) key, as sent on the wire. */
  readonly encapsulationKey: Buffer;
  /** The 32-byte shared secret for a 1088-byte ciphertext (implicit rejection: never throws on a bad one). */
  decapsulate(ciphertext: Buffer): Buffer;
}

export interface MlKem768 {
  /** Which implementation: for logs and tests. */
  readonly implementation: 'node:crypto' | '@noble/post-quantum';
  /** A fresh key pair; from a 64-byte seed (d || z, FIPS 203 §7.1) when one is given (tests). */
  generateKeyPair(seed?: Uint8Array): MlKem768DecapsulationKey;
  /** Throws when the key is not a valid ML-KEM-768 encapsulation key (FIPS 203 §7.2 checks). */
  encapsulate(encapsulationKey: Buffer): { ciphertext: Buffer; sharedSecret: Buffer };
}

/** What Node 24's crypto adds (@types/node here is Node 20's, which has none of it). */
interface NodeMlKemCrypto {
  encapsulate(key: nodeCrypto.KeyObject): { sharedKey: Buffer; ciphertext: Buffer };
  decapsulate(key: nodeCrypto.KeyObject, ciphertext: Buffer): Buffer;
}

export const nobleMlKem768: MlKem768 = {
  implementation: '@noble/post-quantum',
  generateKeyPair(seed) {
    const { publicKey, secretKey } = ml_kem768.keygen(seed);
    return {
      encapsulationKey: Buffer.from(publicKey),
      decapsulate: (ciphertext) => Buffer.from(ml_kem768.decapsulate(ciphertext, secretKey)),
    };
  },
  encapsulate(encapsulationKey) {
    const { cipherText, sharedSecret } = ml_kem768.encapsulate(encapsulationKey);
    return { ciphertext: Buffer.from(cipherText), sharedSecret: Buffer.from(sharedSecret) };
  },
};

/** Node's ML-KEM-768, or undefined when this runtime's crypto has none (Node < 24.7, or an OpenSSL < 3.5). */
export function nodeMlKem768(): MlKem768 | undefined {
  const kem = nodeCrypto as unknown as Partial<NodeMlKemCrypto>;
  if (typeof kem.encapsulate !== 'function' || typeof kem.decapsulate !== 'function') return undefined;
  const { encapsulate, decapsulate } = kem as NodeMlKemCrypto;
  const mlKemPrivateKey = (seed: Uint8Array | undefined): nodeCrypto.KeyObject =>
    seed === undefined
      ? (nodeCrypto.generateKeyPairSync as (type: string) => nodeCrypto.KeyPairKeyObjectResult)('ml-kem-768')
          .privateKey
      : nodeCrypto.createPrivateKey({
          key: Buffer.from(seed),
          format: 'raw-seed',
          asymmetricKeyType: 'ml-kem-768',
        } as unknown as nodeCrypto.PrivateKeyInput);
  try {
    mlKemPrivateKey(undefined);
  } catch {
    return undefined;
  }
  return {
    implementation: 'node:crypto',
    generateKeyPair(seed) {
      const privateKey = mlKemPrivateKey(seed);
      const encapsulationKey = nodeCrypto
        .createPublicKey(privateKey)
        .export({ format: 'raw-public' } as unknown as nodeCrypto.KeyExportOptions<'der'>);
      return {
        encapsulationKey,
        decapsulate: (ciphertext) => decapsulate(privateKey, ciphertext),
      };
    },
    encapsulate(encapsulationKey) {
      if (encapsulationKey.length !== ML_KEM_768_ENCAPSULATION_KEY_BYTES) {
        throw new Error(`an ML-KEM-768 encapsulation key has ${ML_KEM_768_ENCAPSULATION_KEY_BYTES} bytes`);
      }
      const publicKey = nodeCrypto.createPublicKey({
        key: encapsulationKey,
        format: 'raw-public',
        asymmetricKeyType: 'ml-kem-768',
      } as unknown as nodeCrypto.PublicKeyInput);
      const { sharedKey, ciphertext } = encapsulate(publicKey);
      return { ciphertext, sharedSecret: sharedKey };
    },
  };
}

let chosen: MlKem768 | undefined;

/** The implementation this process uses: Node's when it has one, else noble's. */
export function mlKem768(): MlKem768 {
  chosen ??= nodeMlKem768() ?? nobleMlKem768;
  return chosen;
}
