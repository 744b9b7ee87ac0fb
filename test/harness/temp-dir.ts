/**
 * Temp dirs under os.tmpdir(), removed by their owner or, failing that, by the cleanup registry (also on
 * process exit). Files that hold private keys are written 0600, because ssh refuses anything looser.
 */
import { rmSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { registerCleanup } from './cleanup.js';

export interface TempDir {
  readonly path: string;
  /** Absolute path of `name` inside the dir. */
  file(name: string): string;
  /** Removes the dir and everything in it; safe to call twice. */
  remove(): Promise<void>;
}

/** Creates `<tmpdir>/latchkey-<label>-XXXXXX` (mode 0700). */
export async function createTempDir(label: string): Promise<TempDir> {
  const dirPath = await mkdtemp(path.join(tmpdir(), `latchkey-${label}-`));
  const remove = () => rm(dirPath, { recursive: true, force: true });
  const handle = registerCleanup(`temp dir ${dirPath}`, remove, () =>
    rmSync(dirPath, { recursive: true, force: true }),
  );
  return {
    path: dirPath,
    file: (name) => path.join(dirPath, name),
    async remove() {
      handle.release();
      await remove();
    },
  };
}

/** Writes a file readable by its owner only (private keys, KRLs, anything ssh is strict about). */
export async function writePrivateFile(filePath: string, content: string | Uint8Array): Promise<string> {
  await writeFile(filePath, content, { mode: 0o600 });
  await chmod(filePath, 0o600); // mode is only applied when the file is created
  return filePath;
}
