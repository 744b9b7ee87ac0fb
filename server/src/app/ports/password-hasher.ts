/** Hashes and checks built-in account passwords (adapters/crypto/scrypt-password-hasher.ts). */
export interface PasswordHasher {
  /** A self-describing hash string (algorithm, parameters, salt, digest). */
  hash(password: string): Promise<string>;
  /** Constant-time; false (never an error) for a wrong password or a hash it cannot read. */
  verify(password: string, hash: string): Promise<boolean>;
  /** Burns the time of one verify, so that "no such user" takes as long as "wrong password". */
  verifyNothing(password: string): Promise<void>;
}
