/**
 * FileWatcher over chokidar. It watches the files' directories (not the files): sshd's files are
 * replaced by rename (ours atomically, editors' too), which a watch on the old inode would miss, and a
 * file that does not exist yet (the drop-in) can only be seen appearing from its directory.
 *
 * A change is reported only once the file has stopped changing for a moment (chokidar's
 * awaitWriteFinish): a file written in place (truncate, then write) must not be read half-written, or a
 * repair would reload sshd with a config that is cut short (seen in CI: sshd re-executed with a
 * truncated harness config and left its port).
 */
import { dirname } from 'node:path';
import { watch } from 'chokidar';
import type { FileWatcher } from '../../app/ports/file-watcher.js';

/** How long a file must keep its size before its change is reported. */
const WRITE_SETTLE_MS = 150;

export class ChokidarFileWatcher implements FileWatcher {
  async watch(paths: readonly string[], onChange: (path: string) => void): Promise<() => Promise<void>> {
    const files = new Set(paths);
    const directories = [...new Set(paths.map((path) => dirname(path)))];
    const watcher = watch(directories, {
      ignoreInitial: true,
      depth: 0,
      awaitWriteFinish: { stabilityThreshold: WRITE_SETTLE_MS, pollInterval: 25 },
      // Only the directories themselves and the watched files: never the agent's temporary files.
      ignored: (path: string) => !files.has(path) && !directories.includes(path),
    });
    for (const event of ['add', 'change', 'unlink'] as const) {
      watcher.on(event, (path: string) => onChange(path));
    }
    // A directory replaced or a watcher error may have hidden events: every file is checked again.
    const checkAll = (): void => paths.forEach((path) => onChange(path));
    watcher.on('addDir', checkAll);
    watcher.on('unlinkDir', checkAll);
    await new Promise<void>((resolve, reject) => {
      watcher.once('ready', () => resolve());
      watcher.once('error', (error: unknown) =>
        reject(error instanceof Error ? error : new Error(String(error))),
      );
    });
    watcher.on('error', checkAll);
    return () => watcher.close();
  }
}
