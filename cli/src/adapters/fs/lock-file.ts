/**
 * A lock between latchkey processes: a file created exclusively (O_EXCL) and removed when done. A lock
 * older than `staleAfterMs` belongs to a process that died holding it and is broken.
 */
import { open, stat, unlink } from 'node:fs/promises';
import { LatchkeyError } from '@latchkey/shared';

export interface LockOptions {
  /** Give up after this long. Default 20 s. */
  timeoutMs?: number;
  /** Break a lock this old. Default 60 s (longer than any refresh or certificate request takes). */
  staleAfterMs?: number;
}

export async function withLockFile<T>(
  path: string,
  action: () => Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 20_000;
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
    if (age > staleAfterMs) {
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
