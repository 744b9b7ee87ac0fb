import type { StoredSession } from '../../domain/stored-session.js';

/** Where the sign-in is kept (VS Code's SecretStorage in the extension; a Map in tests). */
export interface SessionStore {
  get(): Promise<StoredSession | undefined>;
  put(session: StoredSession): Promise<void>;
  delete(): Promise<void>;
}
