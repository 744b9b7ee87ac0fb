/**
 * Files written so that a reader sees the old content or the new, never a part: a temp file in the same
 * directory, written, flushed and renamed over the target.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, realpath, rename, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

/** The file's text, or undefined when it does not exist. */
export async function readTextFile(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export interface AtomicWriteOptions {
  /** The file's mode (applied even when the file existed with another). */
  mode: number;
  /** Keep an existing file's mode instead of `mode` (used for files that belong to the person). */
  keepExistingMode?: boolean;
}

/**
 * Replaces `path` atomically. A symlink is followed, so the link stays and its target changes. Missing
 * parent directories are created 0700.
 */
export async function writeFileAtomically(
  path: string,
  content: string,
  options: AtomicWriteOptions,
): Promise<void> {
  const target = await resolveLink(path);
  await mkdir(dirname(target), { recursive: true, mode: 0o700 });
  let mode = options.mode;
  if (options.keepExistingMode === true) {
    try {
      mode = (await stat(target)).mode & 0o7777;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  const temporary = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(temporary, 'wx', mode);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temporary).catch(() => {});
    throw error;
  }
  await handle.close();
  try {
    await chmod(temporary, mode); // open's mode is masked by the umask
    await rename(temporary, target);
  } catch (error) {
    await unlink(temporary).catch(() => {});
    throw error;
  }
}

async function resolveLink(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return path;
    throw error;
  }
}
