/**
 * The TargetCache port as one 0600 JSON file next to the credentials (`<config>/targets-cache.json`):
 * per server, when the list was saved and the list itself. A list older than the lifetime, an unreadable
 * file or one of another shape counts as no list (the cache is only a guess; the server decides), and
 * failing to write it never fails a command.
 */
import type { MeTarget } from '../../domain/access-api.js';
import type { TargetCache } from '../../app/ports/target-cache.js';
import type { Clock } from '../../app/ports/environment.js';
import { readFileSync } from 'node:fs';
import { writeFileAtomically } from './atomic-file.js';

/** How long a saved list is used: long enough for a burst of connections, short enough to stay true. */
export const TARGET_CACHE_LIFETIME_MS = 5 * 60 * 1000;

interface CacheFile {
  version: 1;
  servers: Record<string, { saved_at: string; targets: MeTarget[] }>;
}

export class TargetCacheFile implements TargetCache {
  constructor(
    private readonly path: string,
    private readonly clock: Clock,
  ) {}

  async get(server: string): Promise<readonly MeTarget[] | undefined> {
    const entry = (await this.read()).servers[server];
    if (entry === undefined || !Array.isArray(entry.targets)) return undefined;
    const age = this.clock.now() - Date.parse(entry.saved_at);
    return age >= 0 && age < TARGET_CACHE_LIFETIME_MS ? entry.targets : undefined;
  }

  async put(server: string, targets: readonly MeTarget[]): Promise<void> {
    await this.update((file) => {
      file.servers[server] = { saved_at: new Date(this.clock.now()).toISOString(), targets: [...targets] };
    });
  }

  async forget(server: string): Promise<void> {
    await this.update((file) => {
      delete file.servers[server];
    });
  }

  private async read(): Promise<CacheFile> {
    try {
      // Synchronously: a small file, read before ssh starts, so not worth a trip through libuv's threads.
      const parsed = JSON.parse(readFileSync(this.path, 'utf8')) as Partial<CacheFile>;
      if (parsed.version === 1 && typeof parsed.servers === 'object' && parsed.servers !== null) {
        return parsed as CacheFile;
      }
    } catch {
      // Missing, unreadable or not JSON: no list.
    }
    return { version: 1, servers: {} };
  }

  private async update(change: (file: CacheFile) => void): Promise<void> {
    try {
      const file = await this.read();
      change(file);
      await writeFileAtomically(this.path, `${JSON.stringify(file)}\n`, { mode: 0o600 });
    } catch {
      // A cache that cannot be written only costs the next connection one request.
    }
  }
}
