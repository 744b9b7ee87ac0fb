import type { Credentials } from '../../domain/credentials.js';

/** Where sign-ins are kept, per server (the credentials file, 0600). */
export interface CredentialStore {
  /** The file, for messages. */
  readonly location: string;
  get(server: string): Promise<Credentials | undefined>;
  /** The servers with stored credentials. */
  servers(): Promise<string[]>;
  put(credentials: Credentials): Promise<void>;
  /** True when there was something to remove. */
  remove(server: string): Promise<boolean>;
  /**
   * Runs `action` while no other latchkey process runs one for the same store: refresh tokens are
   * single-use, so two processes refreshing at once would end the sign-in.
   */
  exclusive<T>(action: () => Promise<T>): Promise<T>;
}
