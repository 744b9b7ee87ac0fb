import type * as vscode from 'vscode';
import type { SessionStore } from '../../app/ports/session-store.js';
import { parseStoredSession } from '../../domain/stored-session.js';
import type { StoredSession } from '../../domain/stored-session.js';

const KEY = 'latchkey.session';

/** The sign-in in VS Code's SecretStorage (the OS keychain on desktop; encrypted storage on code-server). */
export class SecretSessionStore implements SessionStore {
  constructor(private readonly secrets: vscode.SecretStorage) {}

  async get(): Promise<StoredSession | undefined> {
    return parseStoredSession(await this.secrets.get(KEY));
  }

  put(session: StoredSession): Promise<void> {
    return Promise.resolve(this.secrets.store(KEY, JSON.stringify(session)));
  }

  delete(): Promise<void> {
    return Promise.resolve(this.secrets.delete(KEY));
  }
}
