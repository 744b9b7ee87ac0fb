import type { FileBackup } from '../domain/sshd/apply-plan.js';
import type { FileStatus, FileSystem } from './ports/file-system.js';

/**
 * The agent's copies of sshd's files, under `<stateDir>/backup/` (planApply names the paths):
 *
 *   - `original/<path>`: the file before Latchkey's first change, made once; what uninstall restores.
 *   - `previous/<path>`: the file before the current change; what a rollback restores.
 *
 * A file that did not exist is recorded by an empty `<backup>.latchkey-absent` marker beside where its
 * copy would be. Copies keep the file's bytes, mode and owner; the directories are 0700.
 */
export const ABSENT_MARKER_SUFFIX = '.latchkey-absent';

export interface LiveFile {
  readonly bytes: Uint8Array;
  readonly status: FileStatus;
}

/** Writes the `previous` copies (every time) and the `original` ones (when none is kept yet). */
export async function saveBackups(
  files: FileSystem,
  backups: readonly FileBackup[],
  live: ReadonlyMap<string, LiveFile | undefined>,
): Promise<void> {
  for (const backup of backups) {
    const file = live.get(backup.path);
    if (file === undefined) {
      await files.remove(backup.previous);
    } else {
      await writeCopy(files, backup.previous, file);
    }
    const keptOriginal =
      (await files.exists(backup.original)) || (await files.exists(backup.original + ABSENT_MARKER_SUFFIX));
    if (keptOriginal) continue;
    if (file === undefined) {
      await makeParent(files, backup.original);
      await files.writeAtomic(backup.original + ABSENT_MARKER_SUFFIX, '', { mode: 0o600 });
    } else {
      await writeCopy(files, backup.original, file);
    }
  }
}

/** Reads the current bytes and status of each path (undefined for a file that does not exist). */
export async function readLiveFiles(
  files: FileSystem,
  paths: readonly string[],
): Promise<Map<string, LiveFile | undefined>> {
  const live = new Map<string, LiveFile | undefined>();
  for (const path of paths) {
    const bytes = await files.read(path);
    const status = bytes === undefined ? undefined : await files.status(path);
    live.set(path, bytes === undefined || status === undefined ? undefined : { bytes, status });
  }
  return live;
}

/** Puts `path` back as `file` says (byte for byte, with its mode and owner), or removes it. */
export async function putBack(files: FileSystem, path: string, file: LiveFile | undefined): Promise<void> {
  if (file === undefined) await files.remove(path);
  else await files.writeAtomic(path, file.bytes, ownership(file.status));
}

/** The kept originals by live path: the file, or undefined when it did not exist before Latchkey. */
export async function readOriginals(
  files: FileSystem,
  stateDir: string,
): Promise<Map<string, LiveFile | undefined>> {
  const root = `${stateDir}/backup/original`;
  const originals = new Map<string, LiveFile | undefined>();
  for (const backupPath of await walkFiles(files, root)) {
    const livePath = backupPath.slice(root.length);
    if (livePath.endsWith(ABSENT_MARKER_SUFFIX)) {
      originals.set(livePath.slice(0, -ABSENT_MARKER_SUFFIX.length), undefined);
      continue;
    }
    const bytes = await files.read(backupPath);
    const status = await files.status(backupPath);
    if (bytes !== undefined && status !== undefined) originals.set(livePath, { bytes, status });
  }
  return originals;
}

/** Forgets every backup (after an uninstall: the next apply keeps the files as they are then). */
export async function clearBackups(files: FileSystem, stateDir: string): Promise<void> {
  const root = `${stateDir}/backup`;
  for (const path of await walkFiles(files, root)) await files.remove(path);
  for (const directory of (await walkDirectories(files, root)).reverse()) await files.remove(directory);
}

export function ownership(status: FileStatus): {
  mode: number;
  owner: { uid: number; gid: number };
} {
  return { mode: status.mode & 0o7777, owner: { uid: status.uid, gid: status.gid } };
}

async function writeCopy(files: FileSystem, path: string, file: LiveFile): Promise<void> {
  await makeParent(files, path);
  await files.writeAtomic(path, file.bytes, ownership(file.status));
  await files.remove(path + ABSENT_MARKER_SUFFIX);
}

async function makeParent(files: FileSystem, path: string): Promise<void> {
  await files.makeDirectory(path.replace(/\/[^/]+$/, ''), 0o700);
}

async function walkFiles(files: FileSystem, root: string): Promise<string[]> {
  const found: string[] = [];
  for (const name of await files.list(root)) {
    const path = `${root}/${name}`;
    const status = await files.status(path);
    if (status?.isDirectory) found.push(...(await walkFiles(files, path)));
    else if (status !== undefined) found.push(path);
  }
  return found;
}

/** `root` and every directory below it, parents first. */
async function walkDirectories(files: FileSystem, root: string): Promise<string[]> {
  const status = await files.status(root);
  if (!status?.isDirectory) return [];
  const found = [root];
  for (const name of await files.list(root)) found.push(...(await walkDirectories(files, `${root}/${name}`)));
  return found;
}
