/**
 * The lock every change to sshd's files is made under, across processes: the daemon, `apply` and
 * `uninstall` each back up, rewrite and restart, and two of them interleaving could leave a backup of a
 * half-applied state or restart sshd on the other's files. In-process ordering is the daemon's queue;
 * this is the host-wide one (adapters/fs/apply-lock.ts).
 */
export interface SshdChangeLock {
  /** Runs `work` holding the lock; a LatchkeyError('conflict') naming the holder when it cannot be had. */
  withLock<T>(work: () => Promise<T>): Promise<T>;
}
