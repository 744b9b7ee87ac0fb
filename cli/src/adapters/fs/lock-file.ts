/**
 * A lock between latchkey processes: a file created exclusively (O_EXCL), holding the owner's pid, and
 * removed when done. A lock whose owner is no longer running, or older than `staleAfterMs`, was left by
 * a process that died holding it, and is broken.
 */
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { LatchkeyError } from '@latchkey/shared';

export interface LockOptions {
  /** Give up after this long. Default 45 s (longer than one HTTP request may take). */
  timeoutMs?: number;
  /** Break a lock this old. Default 60 s (longer than any refresh or certificate request takes). */
  staleAfterMs?: number;
}

export async function withLockFile<T>(
  path: string,
  action: () => Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 45_000;
  const staleAfterMs = options.staleAfterMs ?? 60_000;
  const started = Date.now();
  for (let wait = 5; ; wait = Math.min(wait * 2, 50)) {
    try {
      const handle = await open(path, 'wx', 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const age = await stat(path).then(
      (info) => Date.now() - info.mtimeMs,
      () => 0,
    );
    if (age > staleAfterMs || !(await ownerIsRunning(path))) {
      await unlink(path).catch(() => {});
      continue;
    }
    if (Date.now() - started > timeoutMs) {
      throw new LatchkeyError(
        'unavailable',
        `another latchkey process holds ${path}; if none is running, delete that file and try again`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
  try {
    return await action();
  } finally {
    await unlink(path).catch(() => {});
  }
}

/** False only when the lock names a pid that does not exist (a crashed owner); true when unsure. */
async function ownerIsRunning(path: string): Promise<boolean> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const pid = Number.parseInt(text, 10);
  if (!Number.isInteger(pid) || pid <= 0) return true; // being written right now, or not ours to judge
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
