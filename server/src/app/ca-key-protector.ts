/**
 * Protects CA private keys at rest. The default implementation (adapters/crypto/key-file-protector.ts)
 * uses AES-256-GCM with a key file the operator controls; a KMS could implement the same two calls.
 *
 * `context` is bound to the ciphertext as additional authenticated data: a sealed key only opens with
 * the same context, so a database row cannot be moved to another account or paired with another public
 * key unnoticed.
 */
export interface CaKeyProtector {
  seal(plaintext: Uint8Array, context: string): Promise<Uint8Array>;
  /** Throws LatchkeyError('internal') when the key is wrong or the data or context was tampered with. */
  open(sealed: Uint8Array, context: string): Promise<Uint8Array>;
}
