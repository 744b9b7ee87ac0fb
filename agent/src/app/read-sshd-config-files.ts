import { LatchkeyError } from '@latchkey/shared/errors/latchkey-error';
import { parseSshdConfig } from '../domain/sshd/sshd-config-lines.js';
import { absoluteIncludePattern, includePatternMatches } from '../domain/sshd/sshd-include.js';
import type { SshdConfigFiles } from '../domain/sshd/sshd-global-directives.js';
import type { FileSystem } from './ports/file-system.js';
import { decodeSshdText } from './sshd-file-text.js';

/** sshd's limit on nested Include (READCONF_MAX_DEPTH). */
const MAX_INCLUDE_DEPTH = 16;
const GLOB_CHARACTERS = /[*?[]/;

export interface SshdConfigOnDisk extends SshdConfigFiles {
  /** Permission bits of every file read, by path. */
  readonly modes: ReadonlyMap<string, number>;
}

/**
 * Reads sshd's configuration as the domain needs it: the main file and every existing file that an
 * Include line (global or inside a Match block) can reach, expanded with glob(3)'s rules one path component
 * at a time, to sshd's nesting limit.
 */
export async function readSshdConfigFiles(
  files: FileSystem,
  mainPath: string,
  sshDir: string,
): Promise<SshdConfigOnDisk> {
  const mainText = await readText(files, mainPath);
  if (mainText === undefined) {
    throw new LatchkeyError(
      'invalid_sshd_config',
      `sshd's configuration ${mainPath} does not exist; give the path sshd reads (its -f argument)`,
    );
  }
  const included = new Map<string, string>();
  const modes = new Map<string, number>();
  modes.set(mainPath, await modeOf(files, mainPath));

  const visit = async (path: string, text: string, depth: number): Promise<void> => {
    for (const line of parseSshdConfig(text, path)) {
      if (line.kind !== 'directive' || line.keyword !== 'include') continue;
      if (depth >= MAX_INCLUDE_DEPTH) {
        throw new LatchkeyError(
          'invalid_sshd_config',
          `${path} line ${line.index + 1}: Include nested too deeply`,
        );
      }
      for (const argument of line.args) {
        for (const file of await expandPattern(files, absoluteIncludePattern(argument, sshDir))) {
          if (file === mainPath || included.has(file)) continue;
          const content = await readText(files, file);
          if (content === undefined) continue;
          included.set(file, content);
          modes.set(file, await modeOf(files, file));
          await visit(file, content, depth + 1);
        }
      }
    }
  };
  await visit(mainPath, mainText, 0);
  return { mainPath, mainText, included, sshDir, modes };
}

/** Existing regular files matching an absolute glob(3) pattern. */
async function expandPattern(files: FileSystem, pattern: string): Promise<string[]> {
  const components = pattern.split('/').filter((part) => part !== '');
  let candidates = [''];
  for (const [i, component] of components.entries()) {
    const prefixPattern = `/${components.slice(0, i + 1).join('/')}`;
    const next: string[] = [];
    for (const base of candidates) {
      if (!GLOB_CHARACTERS.test(component)) {
        next.push(`${base}/${component}`);
        continue;
      }
      for (const name of await files.list(base === '' ? '/' : base)) {
        const path = `${base}/${name}`;
        if (includePatternMatches(prefixPattern, path)) next.push(path);
      }
    }
    candidates = next;
  }
  const found: string[] = [];
  for (const path of candidates) {
    const status = await files.status(path);
    if (status !== undefined && !status.isDirectory) found.push(path);
  }
  return found;
}

/** A file as text that keeps every byte (see sshd-file-text.ts); undefined when it does not exist. */
export async function readText(files: FileSystem, path: string): Promise<string | undefined> {
  const bytes = await files.read(path);
  return bytes === undefined ? undefined : decodeSshdText(bytes);
}

async function modeOf(files: FileSystem, path: string): Promise<number> {
  return ((await files.status(path))?.mode ?? 0o644) & 0o7777;
}
