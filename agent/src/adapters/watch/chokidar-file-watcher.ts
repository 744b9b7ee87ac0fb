/**
 * FileWatcher over chokidar. It watches the files' directories (not the files): sshd's files are
 * replaced by rename (ours atomically, editors' too), which a watch on the old inode would miss, and a
 * file that does not exist yet (the drop-in) can only be seen appearing from its directory.
 */
import { dirname } from 'node:path';
import { watch } from 'chokidar';
import type { FileWatcher } from '../../app/ports/file-watcher.js';

export class ChokidarFileWatcher implements FileWatcher {
  async watch(paths: readonly string[], onChange: (path: string) => void): Promise<() => Promise<void>> {
    const files = new Set(paths);
    const directories = [...new Set(paths.map((path) => dirname(path)))];
    const watcher = watch(directories, {
      ignoreInitial: true,
      depth: 0,
      // Only the directories themselves and the watched files: never the agent's temporary files.
      ignored: (path: string) => !files.has(path) && !directories.includes(path),
    });
    for (const event of ['add', 'change', 'unlink'] as const) {
      watcher.on(event, (path: string) => onChange(path));
    }
    await new Promise<void>((resolve, reject) => {
      watcher.once('ready', () => resolve());
      watcher.once('error', (error: unknown) =>
        reject(error instanceof Error ? error : new Error(String(error))),
      );
    });
    return () => watcher.close();
  }
}
