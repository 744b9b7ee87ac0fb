/**
 * Lets other users reach a path: adds search permission (o+x, never read) to every ancestor directory
 * that lacks it, and takes it away again at cleanup. Programs that sshd runs as a test user (the session
 * recorder) start from this checkout, which a CI machine may have cloned below a private directory (a
 * 0700 mktemp dir, /root).
 */
import { chmod, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { registerCleanup } from './cleanup.js';

export async function makeTraversableForOthers(path: string): Promise<void> {
  const changed: { dir: string; mode: number }[] = [];
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const { mode } = await stat(dir);
    if ((mode & 0o001) === 0) {
      await chmod(dir, (mode & 0o7777) | 0o001);
      changed.push({ dir, mode: mode & 0o7777 });
    }
    if (dir === dirname(dir)) break;
  }
  if (changed.length === 0) return;
  registerCleanup(`search permission on ${changed.map((c) => c.dir).join(', ')}`, async () => {
    for (const { dir, mode } of changed) await chmod(dir, mode).catch(() => {});
  });
}
