/** The LogFiles port on the local filesystem (app/logs/ports.ts). */
import { access, readFile } from 'node:fs/promises';
import { LatchkeyError, type OutputEntry } from '@latchkey/shared';
import type { LogFiles } from '../../app/logs/ports.js';
import { writeZipFile } from '../zip/zip-file-writer.js';
import { writeFileAtomically } from './atomic-file.js';

export const localLogFiles: LogFiles = {
  async read(path: string, what: string): Promise<Uint8Array> {
    try {
      return await readFile(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why =
        code === 'ENOENT'
          ? 'no such file'
          : code === 'EACCES'
            ? 'permission denied'
            : code === 'EISDIR'
              ? 'it is a directory'
              : (code ?? (error as Error).message);
      throw new LatchkeyError('invalid_argument', `cannot read ${what} ${path}: ${why}`, { cause: error });
    }
  },
  async exists(path: string): Promise<boolean> {
    try {
      await access(path);
      return true;
    } catch {
      return false;
    }
  },
  write(path: string, content: string, mode: number): Promise<void> {
    return writeFileAtomically(path, content, { mode });
  },
  async writeZip(path: string, entries: Iterable<OutputEntry>): Promise<void> {
    try {
      await writeZipFile(path, entries);
    } catch (error) {
      if (error instanceof LatchkeyError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      throw new LatchkeyError(
        'invalid_argument',
        `cannot write ${path}: ${code ?? (error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  },
};
