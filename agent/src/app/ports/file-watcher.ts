/** Watches files for changes (adapters/watch/chokidar-file-watcher.ts). */
export interface FileWatcher {
  /**
   * Calls `onChange(path)` when one of `paths` is written, replaced, created or removed (also through a
   * rename over it). Resolves once watching has started; the returned function stops it.
   */
  watch(paths: readonly string[], onChange: (path: string) => void): Promise<() => Promise<void>>;
}
