import { LatchkeyError } from '@latchkey/shared/errors/latchkey-error';
import { parseSshdConfig, type SshdConfigLine } from './sshd-config-lines.js';
import { DEFAULT_SSH_DIR, absoluteIncludePattern, expandIncludePattern } from './sshd-include.js';

/** sshd's limit on nested Include (READCONF_MAX_DEPTH). */
const MAX_INCLUDE_DEPTH = 16;

/** A configuration as sshd would read it: the main file and every file its Include lines can reach. */
export interface SshdConfigFiles {
  readonly mainPath: string;
  readonly mainText: string;
  /** Every existing file that an Include pattern may match, by absolute path. Missing ones match nothing. */
  readonly included: ReadonlyMap<string, string>;
  readonly sshDir?: string;
}

/** One directive that applies to every connection (read outside any Match block), in sshd's reading order. */
export interface GlobalDirective {
  readonly path: string;
  readonly line: SshdConfigLine;
  /** The line of the main file that led here: the directive itself or the Include that pulled it in. */
  readonly mainLineIndex: number;
}

export interface GlobalView {
  /** Directives that apply globally, in the order sshd reads them (Include expanded in place). */
  readonly directives: readonly GlobalDirective[];
  /** Index of the main file's first `Match` line; the line count when there is none. */
  readonly firstMatchIndex: number;
  /** Directives inside Match blocks (of any file): they override global values for matching connections. */
  readonly matchDirectives: readonly GlobalDirective[];
  /** The main file's lines. */
  readonly mainLines: readonly SshdConfigLine[];
}

/**
 * Reads the configuration the way sshd builds its global options: line by line, Include expanded where it
 * stands, until the first `Match`. A Match inside an included file ends at the end of that file (servconf.c
 * restores the active state after an Include), so the main file's later lines are global again.
 */
export function readGlobalView(files: SshdConfigFiles): GlobalView {
  const sshDir = files.sshDir ?? DEFAULT_SSH_DIR;
  const directives: GlobalDirective[] = [];
  const matchDirectives: GlobalDirective[] = [];
  const mainLines = parseSshdConfig(files.mainText, files.mainPath);
  let firstMatchIndex = mainLines.length;

  const visit = (
    path: string,
    lines: readonly SshdConfigLine[],
    depth: number,
    mainIndex?: number,
  ): number => {
    let inMatch = false;
    let matchAt = lines.length;
    for (const line of lines) {
      if (line.kind !== 'directive') continue;
      const at = mainIndex ?? line.index;
      if (line.keyword === 'match') {
        if (!inMatch) matchAt = line.index;
        inMatch = true;
        continue;
      }
      if (inMatch) {
        matchDirectives.push({ path, line, mainLineIndex: at });
        continue;
      }
      directives.push({ path, line, mainLineIndex: at });
      if (line.keyword === 'include') {
        if (depth >= MAX_INCLUDE_DEPTH) {
          throw new LatchkeyError(
            'invalid_sshd_config',
            `${path} line ${line.index + 1}: Include nested too deeply`,
          );
        }
        for (const argument of line.args) {
          for (const file of expandIncludePattern(
            absoluteIncludePattern(argument, sshDir),
            files.included.keys(),
          )) {
            visit(file, parseSshdConfig(files.included.get(file) ?? '', file), depth + 1, at);
          }
        }
      }
    }
    return matchAt;
  };

  firstMatchIndex = visit(files.mainPath, mainLines, 0);
  return { directives, firstMatchIndex, matchDirectives, mainLines };
}

/** The first global value of `keyword` (sshd keeps the first one it reads for the keywords Latchkey sets). */
export function firstGlobal(view: GlobalView, keyword: string): GlobalDirective | undefined {
  return view.directives.find((directive) => directive.line.keyword === keyword);
}
