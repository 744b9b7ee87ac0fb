import { constants } from 'node:fs';
import { mkdir, open, readFile, readdir, realpath, rename, rm, rmdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { AtomicWriteOptions, FileStatus, FileSystem } from '../../app/ports/file-system.js';

/** The FileSystem port on node:fs/promises. */
export class NodeFileSystem implements FileSystem {
  async read(path: string): Promise<Uint8Array | undefined> {
    try {
      return await readFile(path);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async status(path: string): Promise<FileStatus | undefined> {
    try {
      const info = await stat(path);
      return {
        mode: info.mode & 0o7777,
        uid: info.uid,
        gid: info.gid,
        isDirectory: info.isDirectory(),
        modifiedMs: info.mtimeMs,
      };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async exists(path: string): Promise<boolean> {
    return (await this.status(path)) !== undefined;
  }

  async list(directory: string): Promise<string[]> {
    try {
      return (await readdir(directory)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    } catch (error) {
      if (isMissing(error) || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
      throw error;
    }
  }

  async makeDirectory(path: string, mode: number): Promise<boolean> {
    return (await mkdir(path, { recursive: true, mode })) !== undefined;
  }

  /**
   * A symbolic link is written through, not replaced: the rename goes over the file it points to (with
   * the temporary file beside that file), so a linked sshd_config stays linked and a restore is exact.
   */
  async writeAtomic(
    linkOrPath: string,
    content: Uint8Array | string,
    options: AtomicWriteOptions,
  ): Promise<void> {
    const path = await realpath(linkOrPath).catch(() => linkOrPath);
    const tempPath =
      path === linkOrPath && options.tempPath !== undefined
        ? options.tempPath
        : join(dirname(path), `.${basename(path)}.latchkey-tmp`);
    if (dirname(tempPath) !== dirname(path)) {
      throw new Error(
        `the temporary file ${tempPath} must be in the directory of ${path} for an atomic rename`,
      );
    }
    // O_EXCL: a temp file left by a crash is removed first, never written through (it could be a link).
    await rm(tempPath, { force: true });
    const handle = await open(tempPath, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      try {
        await handle.writeFile(content);
        if (options.owner !== undefined) await handle.chown(options.owner.uid, options.owner.gid);
        await handle.chmod(options.mode); // after chown, which may clear setuid bits; independent of the umask
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tempPath, path);
    } catch (error) {
      await rm(tempPath, { force: true });
      throw error;
    }
    await syncDirectory(dirname(path));
  }

  async remove(path: string): Promise<void> {
    const info = await this.status(path).catch(() => undefined);
    if (info?.isDirectory) await rmdir(path);
    else await rm(path, { force: true });
  }
}

/** Makes the rename durable: the directory entry itself is flushed. */
async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}
