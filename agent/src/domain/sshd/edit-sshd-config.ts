import { LatchkeyError } from '@latchkey/shared/errors/latchkey-error';
import {
  dropInContent,
  insertBlock,
  isLatchkeyDropIn,
  removeLatchkeyBlocks,
  replaceLineWithBlock,
} from './latchkey-sshd-block.js';
import { joinLines, splitLines } from './sshd-config-lines.js';
import {
  firstGlobal,
  readGlobalView,
  type GlobalView,
  type SshdConfigFiles,
} from './sshd-global-directives.js';
import { DEFAULT_SSH_DIR } from './sshd-include.js';

export const DEFAULT_CA_PATH = '/etc/ssh/ca.pub';
export const DEFAULT_DROP_IN_NAME = '00-latchkey.conf';

export interface EditSshdConfigInput extends SshdConfigFiles {
  /** The CA file sshd must trust; default /etc/ssh/ca.pub. */
  readonly caPath?: string;
  /** Default `<sshDir>/sshd_config.d`. */
  readonly dropInDir?: string;
  /** Default 00-latchkey.conf: it must sort before the other drop-ins, since sshd keeps the first value. */
  readonly dropInName?: string;
}

/**
 * - `drop-in`: the main file includes the drop-in directory before its first Match, and a drop-in there
 *   wins; the main file is left as the admin wrote it.
 * - `in-place`: a block in the main file (Cloudflare's manual edit, done so it cannot land in a Match).
 * - `already-configured`: sshd already uses PubkeyAuthentication yes and this CA file without Latchkey's
 *   lines (an admin did it by hand); nothing is written and nothing will be undone.
 */
export type SshdEditMethod = 'drop-in' | 'in-place' | 'already-configured';

export interface SshdConfigEdit {
  readonly method: SshdEditMethod;
  /** Files whose content must change, with their new content (empty when nothing changes). */
  readonly writes: readonly {
    readonly role: 'main' | 'drop-in';
    readonly path: string;
    readonly content: string;
  }[];
  /** Latchkey files to remove (a drop-in of an earlier run when the method changed). */
  readonly deletes: readonly string[];
  /**
   * Files the admin's configuration trusted through TrustedUserCAKeys before Latchkey took the first
   * place. sshd reads only the first TrustedUserCAKeys, so their keys must be merged into Latchkey's CA
   * file (see merge-ca-file.ts): an admin's CA is never silently dropped.
   */
  readonly adoptCaFiles: readonly string[];
  /** Things an admin should know (a Match block that turns certificate logins off for some users, …). */
  readonly warnings: readonly string[];
}

/**
 * Decides how to make sshd trust the CA file (`PubkeyAuthentication yes`, `TrustedUserCAKeys <caPath>`)
 * with the least change to the admin's files, such that the two values are the ones sshd keeps (the first
 * global ones) and nothing lands inside a Match block.
 *
 * Idempotent: the edit starts from the configuration with Latchkey's own lines removed (see
 * latchkey-sshd-block.ts), so running it on its own output changes nothing, byte for byte; a stale or
 * tampered Latchkey block is rewritten.
 *
 * Existing TrustedUserCAKeys pointing elsewhere: Latchkey's value is put first (sshd would ignore a
 * second one) and the file the admin configured is reported in `adoptCaFiles`, whose keys the CA merge
 * keeps in Latchkey's CA file; the admin's line stays where it was, and uninstall brings it back into effect.
 */
export function editSshdConfig(input: EditSshdConfigInput): SshdConfigEdit {
  const sshDir = input.sshDir ?? DEFAULT_SSH_DIR;
  const caPath = input.caPath ?? DEFAULT_CA_PATH;
  checkCaPath(caPath);
  const dropInPath = `${(input.dropInDir ?? `${sshDir}/sshd_config.d`).replace(/\/+$/, '')}/${input.dropInName ?? DEFAULT_DROP_IN_NAME}`;
  const editablePath = editableMainPath(input.mainPath, sshDir);

  // The configuration as the admin has it, without anything Latchkey wrote.
  const ownDropIns = [...input.included].filter(([, text]) => isLatchkeyDropIn(text)).map(([path]) => path);
  const included = new Map([...input.included].filter(([path]) => !ownDropIns.includes(path)));
  const cleanMain = removeLatchkeyBlocks(input.mainText, input.mainPath);
  const clean: SshdConfigFiles = { ...input, mainText: cleanMain, included, sshDir };
  const view = readGlobalView(clean);

  const warnings = matchWarnings(view);
  const adoptCaFiles = foreignCaFiles(view, caPath);
  const plan = (method: SshdEditMethod, mainText: string, dropIn?: string): SshdConfigEdit => {
    const writes: { role: 'main' | 'drop-in'; path: string; content: string }[] = [];
    const deletes = ownDropIns.filter((path) => path !== dropInPath || dropIn === undefined);
    if (dropIn !== undefined && input.included.get(dropInPath) !== dropIn)
      writes.push({ role: 'drop-in', path: dropInPath, content: dropIn });
    if (editablePath !== input.mainPath && mainText !== cleanMain)
      writes.push({ role: 'main', path: editablePath, content: mainText });
    else if (mainText !== input.mainText)
      writes.push({ role: 'main', path: input.mainPath, content: mainText });
    return { method, writes, deletes, adoptCaFiles, warnings };
  };

  if (trustsCa(view, caPath)) return plan('already-configured', cleanMain);

  const dropIn = dropInContent(caPath);
  const withDropIn = readGlobalView({ ...clean, included: new Map([...included, [dropInPath, dropIn]]) });
  if (withDropIn.directives.some((d) => d.path === dropInPath) && trustsCa(withDropIn, caPath)) {
    return plan('drop-in', cleanMain, dropIn);
  }

  const edited = inPlaceEdit(view, caPath);
  const check = readGlobalView({ ...clean, mainText: edited });
  if (!trustsCa(check, caPath)) {
    throw new LatchkeyError(
      'internal',
      'the in-place sshd_config edit did not take effect (a bug in editSshdConfig)',
    );
  }
  return plan('in-place', edited);
}

/** True when the first global values are `PubkeyAuthentication yes` and `TrustedUserCAKeys <caPath>`. */
function trustsCa(view: GlobalView, caPath: string): boolean {
  const pubkey = firstGlobal(view, 'pubkeyauthentication');
  const ca = firstGlobal(view, 'trustedusercakeys');
  return pubkey?.line.args[0]?.toLowerCase() === 'yes' && ca?.line.args[0] === caPath;
}

/**
 * Cloudflare's edit, made safe: the block takes the place of the PubkeyAuthentication line (active, else
 * commented) when that line comes before anything else setting either keyword; otherwise it goes right
 * before the first line that sets one (directly or through an Include), else before the first Match,
 * else at the end.
 */
function inPlaceEdit(view: GlobalView, caPath: string): string {
  const lines = splitLines(joinLines(view.mainLines));
  const global = view.mainLines.slice(0, view.firstMatchIndex);
  const setsOurs = (keyword: string) => keyword === 'pubkeyauthentication' || keyword === 'trustedusercakeys';
  const competing = view.directives.find((d) => setsOurs(d.line.keyword))?.mainLineIndex;
  const active = global.find((line) => line.kind === 'directive' && line.keyword === 'pubkeyauthentication');
  const commented = global.find(
    (line) =>
      line.commented?.keyword === 'pubkeyauthentication' &&
      /^(yes|no)$/i.test(line.commented.args[0] ?? '') &&
      line.commented.args.length === 1,
  );
  const anchor = active ?? commented;
  if (anchor !== undefined && (competing === undefined || anchor.index <= competing)) {
    return joinLines(replaceLineWithBlock(lines, anchor.index, caPath));
  }
  return joinLines(insertBlock(lines, competing ?? view.firstMatchIndex, caPath));
}

function foreignCaFiles(view: GlobalView, caPath: string): string[] {
  const first = firstGlobal(view, 'trustedusercakeys')?.line.args[0];
  if (first === undefined || first === caPath || first.toLowerCase() === 'none') return [];
  // sshd makes a relative path absolute against its working directory, which is / for the daemon.
  return [first.startsWith('/') ? first : `/${first}`];
}

function matchWarnings(view: GlobalView): string[] {
  return view.matchDirectives
    .filter(
      ({ line }) =>
        (line.keyword === 'pubkeyauthentication' && line.args[0]?.toLowerCase() === 'no') ||
        line.keyword === 'trustedusercakeys',
    )
    .map(
      ({ path, line }) =>
        `${path} line ${line.index + 1}: "${line.text.trim()}" inside a Match block overrides Latchkey's ` +
        'setting for the connections it matches; certificate logins may fail for them',
    );
}

/**
 * openSUSE keeps the vendor's file under /usr/etc/ssh and reads /etc/ssh/sshd_config instead when that
 * exists: an in-place edit of a vendor file is written as /etc/ssh/sshd_config, never into /usr.
 */
function editableMainPath(mainPath: string, sshDir: string): string {
  return mainPath.startsWith('/usr/') ? `${sshDir}/sshd_config` : mainPath;
}

function checkCaPath(caPath: string): void {
  if (!caPath.startsWith('/') || /[\s"'\\#]/.test(caPath) || caPath.length > 4096) {
    throw new LatchkeyError(
      'invalid_argument',
      `the CA file path ${JSON.stringify(caPath)} must be absolute and contain no whitespace, quotes, # or backslashes`,
      { pointer: '/caPath' },
    );
  }
}
