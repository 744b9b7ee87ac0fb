/** The TextFiles and SshKeyFiles ports over the local filesystem. */
import { mkdir, rm } from 'node:fs/promises';
import type { SshKeyFiles, TextFiles } from '../../app/ports/files.js';
import { readTextFile, writeFileAtomically } from './atomic-file.js';
import { withLockFile } from './lock-file.js';

export const localTextFiles: TextFiles = {
  read: readTextFile,
  write: (path, text, newFileMode) =>
    writeFileAtomically(path, text, { mode: newFileMode, keepExistingMode: true }),
};

export const localSshKeyFiles: SshKeyFiles = {
  async exclusive(dir, action) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return withLockFile(`${dir}/.lock`, action);
  },
  read: readTextFile,
  write: (path, text) => writeFileAtomically(path, text, { mode: 0o600 }),
  removeAll: (dir) => rm(dir, { recursive: true, force: true }),
};
