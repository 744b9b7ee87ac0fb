/**
 * The host-wide lock on changes to sshd's files (ports/sshd-change-lock.ts): the file `apply.lock` in the
 * state directory, created with O_EXCL and holding the owner's pid. Released by removing it. A lock left
 * by a process that is gone (killed, crashed, the host rebooted) is stale: it is taken over, by renaming a
 * fresh lock file over it only while it still names the dead pid, so two processes taking over at once
 * cannot both win. A lock file just created whose pid is not written yet counts as held for a few seconds.
 *
 * `waitMs` 0 (apply, uninstall: a person is waiting) fails at once with "another latchkey-agent is changing
 * sshd (pid N)"; the daemon waits for the other change to finish.
 */
import { constants } from 'node:fs';
import { link, mkdir, open, readFile, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LatchkeyError } from '@latchkey/shared/errors/latchkey-error';
import type { SshdChangeLock } from '../../app/ports/sshd-change-lock.js';

export const APPLY_LOCK_NAME = 'apply.lock';
/** How long a lock file without a pid in it is taken to be one being written. */
const UNWRITTEN_GRACE_MS = 5_000;
const POLL_MS = 100;

export interface ApplyLockOptions {
  /** How long to wait for another holder to finish; 0: fail at once. */
  readonly waitMs?: number;
  readonly pid?: number;
}

/** Whether a process with this pid exists (EPERM: it does, owned by someone else). */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class ApplyLockFile implements SshdChangeLock {
  readonly path: string;
  private readonly waitMs: number;
  private readonly pid: number;

  constructor(stateDir: string, options: ApplyLockOptions = {}) {
    this.path = join(stateDir, APPLY_LOCK_NAME);
    this.waitMs = options.waitMs ?? 0;
    this.pid = options.pid ?? process.pid;
  }

  async withLock<T>(work: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await work();
    } finally {
      await this.release();
    }
  }

  /** Takes the lock, waiting up to waitMs; throws LatchkeyError('conflict') naming the holder. */
  async acquire(): Promise<void> {
    const deadline = Date.now() + this.waitMs;
    for (;;) {
      const holder = await this.tryAcquire();
      if (holder === undefined) return;
      if (Date.now() >= deadline) {
        throw new LatchkeyError(
          'conflict',
          `another latchkey-agent is changing sshd (pid ${holder}); try again when it is done (lock file ${this.path})`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  async release(): Promise<void> {
    // Only our own lock: never remove one a stale-lock takeover gave to someone else.
    if ((await this.readHolder()) === this.pid) await rm(this.path, { force: true });
  }

  /** undefined: the lock is ours now; else the pid (or '?') of the live holder. */
  private async tryAcquire(): Promise<number | '?' | undefined> {
    if (await this.createExclusive(this.path)) return undefined;
    const holder = await this.readHolder();
    if (holder === this.pid) return undefined;
    if (holder === undefined) {
      // Gone since, or not written yet (then it is held for a few seconds).
      const age = await stat(this.path).then(
        (info) => Date.now() - info.mtimeMs,
        () => undefined,
      );
      if (age !== undefined && age <= UNWRITTEN_GRACE_MS) return '?';
      if (age !== undefined) await this.takeOver(undefined);
      return this.tryAcquireOnce();
    }
    if (processExists(holder)) return holder;
    await this.takeOver(holder);
    return this.tryAcquireOnce();
  }

  private async tryAcquireOnce(): Promise<number | '?' | undefined> {
    if (await this.createExclusive(this.path)) return undefined;
    return (await this.readHolder()) ?? '?';
  }

  /** Removes a stale lock, but only if it still names the dead holder (another may have taken it over). */
  private async takeOver(deadPid: number | undefined): Promise<void> {
    const aside = `${this.path}.stale.${this.pid}`;
    await rm(aside, { force: true });
    try {
      await link(this.path, aside);
    } catch {
      return;
    }
    try {
      const text = (await readFile(aside, 'utf8')).trim();
      const named = text === '' ? undefined : Number(text);
      const current = await stat(this.path).catch(() => undefined);
      const saved = await stat(aside);
      if (named === deadPid && current !== undefined && current.ino === saved.ino) {
        await unlink(this.path).catch(() => undefined);
      }
    } finally {
      await rm(aside, { force: true });
    }
  }

  /** Creates the lock file with our pid in it, only if there is none. */
  private async createExclusive(path: string): Promise<boolean> {
    let handle;
    try {
      handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        // No state directory yet (uninstall on a host never enrolled): make it, as systemd would.
        await mkdir(dirname(path), { recursive: true, mode: 0o700 });
        return this.createExclusive(path);
      }
      throw error;
    }
    try {
      await handle.writeFile(`${this.pid}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return true;
  }

  private async readHolder(): Promise<number | undefined> {
    const text = await readFile(this.path, 'utf8').catch(() => '');
    const pid = Number(text.trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  }
}
