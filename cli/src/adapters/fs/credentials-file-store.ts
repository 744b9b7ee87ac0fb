/**
 * The credentials file (`<config>/credentials.json`): mode 0600 in a 0700 directory, replaced atomically,
 * one entry per server. Changes happen under a lock file next to it, so concurrent latchkey processes
 * (several ssh connections refreshing at once) never lose each other's writes.
 */
import { chmod, mkdir, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { CredentialStore } from '../../app/ports/credential-store.js';
import { parseCredentialsFile, renderCredentialsFile } from '../../domain/credentials.js';
import type { Credentials, CredentialsFile } from '../../domain/credentials.js';
import { readTextFile, writeFileAtomically } from './atomic-file.js';
import { withLockFile } from './lock-file.js';

export class CredentialsFileStore implements CredentialStore {
  private locked = false;

  constructor(readonly location: string) {}

  async get(server: string): Promise<Credentials | undefined> {
    return (await this.load()).servers[server];
  }

  async servers(): Promise<string[]> {
    return Object.keys((await this.load()).servers).sort();
  }

  async put(credentials: Credentials): Promise<void> {
    await this.update((file) => {
      file.servers[credentials.server] = credentials;
      return true;
    });
  }

  async remove(server: string): Promise<boolean> {
    let removed = false;
    await this.update((file) => {
      removed = server in file.servers;
      delete file.servers[server];
      return removed;
    });
    return removed;
  }

  /** Re-entrant within this process: put/remove inside `exclusive` do not wait for themselves. */
  async exclusive<T>(action: () => Promise<T>): Promise<T> {
    if (this.locked) return action();
    await this.prepareDir();
    return withLockFile(`${this.location}.lock`, async () => {
      this.locked = true;
      try {
        return await action();
      } finally {
        this.locked = false;
      }
    });
  }

  private async load(): Promise<CredentialsFile> {
    const text = await readTextFile(this.location);
    return text === undefined ? { servers: {} } : parseCredentialsFile(text, this.location);
  }

  private async update(change: (file: CredentialsFile) => boolean): Promise<void> {
    await this.exclusive(async () => {
      const file = await this.load();
      if (!change(file)) return;
      if (Object.keys(file.servers).length === 0) {
        await unlink(this.location).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOENT') throw error;
        });
        return;
      }
      await writeFileAtomically(this.location, renderCredentialsFile(file), { mode: 0o600 });
    });
  }

  /** The config dir holds tokens and keys: 0700, even when it existed before with a looser mode. */
  private async prepareDir(): Promise<void> {
    const dir = dirname(this.location);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
  }
}
