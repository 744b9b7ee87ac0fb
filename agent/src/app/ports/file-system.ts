/** What the agent needs of the filesystem to change sshd's files safely (adapters/fs/node-file-system.ts). */
export interface FileStatus {
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly isDirectory: boolean;
  /** Last modification, in ms since the epoch (sub-millisecond where the file system keeps it). */
  readonly modifiedMs?: number;
}

export interface AtomicWriteOptions {
  /** Permission bits the file ends with (independent of the umask). */
  readonly mode: number;
  /** Owner the file ends with; unchanged (the writer's) when absent. */
  readonly owner?: { readonly uid: number; readonly gid: number };
  /** The temporary file, in the same directory as the target; default `.<name>.latchkey-tmp` beside it. */
  readonly tempPath?: string;
}

export interface FileSystem {
  /** The file's bytes, or undefined when it does not exist. Other errors (permissions, EISDIR) throw. */
  read(path: string): Promise<Uint8Array | undefined>;
  /** Undefined when nothing exists at `path`. Follows symbolic links. */
  status(path: string): Promise<FileStatus | undefined>;
  exists(path: string): Promise<boolean>;
  /** The entry names of a directory, sorted; [] when it does not exist or is not a directory. */
  list(directory: string): Promise<string[]>;
  /** mkdir -p with `mode` for what it creates; true when it created `path`, false when it existed. */
  makeDirectory(path: string, mode: number): Promise<boolean>;
  /**
   * Replaces `path` as one step, so that a reader (sshd) sees the old or the new content, never a part:
   * write a temporary file in the same directory, set its mode and owner, fsync it, rename it over `path`,
   * fsync the directory. On failure the temporary file is removed and `path` is as it was.
   */
  writeAtomic(path: string, content: Uint8Array | string, options: AtomicWriteOptions): Promise<void>;
  /** Removes a file or an empty directory; nothing to remove is not an error. */
  remove(path: string): Promise<void>;
}
