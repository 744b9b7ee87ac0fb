/** Plain text files: known_hosts, ssh configs. */
export interface TextFiles {
  /** Undefined when the file does not exist. */
  read(path: string): Promise<string | undefined>;
  /**
   * Replaces the file atomically (a temp file renamed over it), through a symlink to its target. An
   * existing file keeps its mode; a new one gets `newFileMode`, and missing parent dirs are made 0700.
   */
  write(path: string, text: string, newFileMode: number): Promise<void>;
}

/** The key pair and certificate files of one (target, user) for the `ssh-config` helper. */
export interface SshKeyFiles {
  /** Runs `action` while no other latchkey process does for the same directory. */
  exclusive<T>(dir: string, action: () => Promise<T>): Promise<T>;
  /** The file's text, undefined when it does not exist. */
  read(path: string): Promise<string | undefined>;
  /** Writes atomically, mode 0600, in a directory made 0700. */
  write(path: string, text: string): Promise<void>;
  /** Deletes the directory and everything in it (nothing when it does not exist). */
  removeAll(dir: string): Promise<void>;
}
