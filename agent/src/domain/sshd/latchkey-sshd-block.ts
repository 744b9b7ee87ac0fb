import { LatchkeyError } from '@latchkey/shared/errors/latchkey-error';
import { dominantLineEnding, quoteArgument, splitLines, type LineEnding } from './sshd-config-lines.js';

/**
 * What Latchkey writes into sshd's configuration, and how it is recognised and undone.
 *
 * In a main sshd_config, Latchkey's lines form one block between two marker comments. When the block
 * replaced a line of the admin's (the `#PubkeyAuthentication yes` that Cloudflare's guide says to
 * uncomment), that line is kept verbatim on a `# latchkey replaced: ` comment, so removing the block
 * gives back the original file byte for byte even when the backup is gone. Markers are whole comment
 * lines, never trailing comments: OpenSSH before 8.7 rejects text after a value ("garbage at end of
 * line").
 *
 * Line endings: block lines use the replaced line's ending (or the file's usual one); the block's last
 * line takes the ending of the line it replaced. A block appended to a file without a final newline gives
 * the old last line a newline and itself ends without one; removing it strips that newline again.
 */
export const BLOCK_BEGIN =
  '# >>> latchkey begin: managed by latchkey-agent; `latchkey-agent uninstall` restores the original';
export const BLOCK_REPLACED_PREFIX = '# latchkey replaced: ';
export const BLOCK_END = '# <<< latchkey end';

/** First line of Latchkey's drop-in file: how uninstall and re-runs know the file is Latchkey's. */
export const DROP_IN_MARKER = '# Managed by latchkey-agent: makes sshd trust the Latchkey SSH CA.';

/**
 * The two directives Latchkey needs, in the order Cloudflare's guide gives them. An agent before the SSH
 * front also wrote `ExposeAuthInfo yes` here (for its force-command recorder); the edit starts from the
 * configuration without Latchkey's lines, so an upgraded agent rewrites such a block without it.
 */
export function latchkeyDirectives(caPath: string): string[] {
  return ['PubkeyAuthentication yes', `TrustedUserCAKeys ${quoteArgument(caPath)}`];
}

export function dropInContent(caPath: string): string {
  return [
    DROP_IN_MARKER,
    '# `latchkey-agent uninstall` removes this file. Its name sorts first in sshd_config.d because sshd keeps',
    '# the first value it reads for each keyword.',
    ...latchkeyDirectives(caPath),
    '',
  ].join('\n');
}

export function isLatchkeyDropIn(text: string): boolean {
  return text.startsWith(DROP_IN_MARKER);
}

export function hasLatchkeyBlock(text: string): boolean {
  return splitLines(text).some((line) => line.text === BLOCK_BEGIN);
}

/** The block's lines (without endings) replacing `replaced` when given. */
export function blockLines(caPath: string, replaced?: string): string[] {
  return [
    BLOCK_BEGIN,
    ...(replaced === undefined ? [] : [BLOCK_REPLACED_PREFIX + replaced]),
    ...latchkeyDirectives(caPath),
    BLOCK_END,
  ];
}

type Line = { text: string; eol: LineEnding };

/** `lines` with the block put in place of line `index` (keeping that line inside the block). */
export function replaceLineWithBlock(lines: readonly Line[], index: number, caPath: string): Line[] {
  const original = lines[index]!;
  const eol = original.eol === '' ? dominantLineEnding(lines) : original.eol;
  const block = blockLines(caPath, original.text).map((text): Line => ({ text, eol }));
  block[block.length - 1]!.eol = original.eol;
  return [...lines.slice(0, index), ...block, ...lines.slice(index + 1)];
}

/** `lines` with the block inserted before line `index` (`lines.length` appends). */
export function insertBlock(lines: readonly Line[], index: number, caPath: string): Line[] {
  const eol = dominantLineEnding(lines);
  const block = blockLines(caPath).map((text): Line => ({ text, eol }));
  const before = lines.slice(0, index).map((line) => ({ ...line }));
  const last = before[before.length - 1];
  if (index === lines.length && last !== undefined && last.eol === '') {
    last.eol = eol;
    block[block.length - 1]!.eol = '';
  }
  return [...before, ...block, ...lines.slice(index)];
}

/**
 * The inverse of the edits above: every Latchkey block removed and the lines it replaced restored, byte
 * for byte. A block whose markers were damaged by hand is an error rather than a guess.
 */
export function removeLatchkeyBlocks(text: string, fileName: string): string {
  const lines = splitLines(text);
  const out: Line[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.text === BLOCK_END) {
      throw damaged(fileName, i, 'an end marker without a begin marker');
    }
    if (line.text !== BLOCK_BEGIN) {
      out.push({ ...line });
      continue;
    }
    const end = lines.findIndex((candidate, j) => j > i && candidate.text === BLOCK_END);
    const nextBegin = lines.findIndex((candidate, j) => j > i && candidate.text === BLOCK_BEGIN);
    if (end < 0 || (nextBegin >= 0 && nextBegin < end)) {
      throw damaged(fileName, i, 'a begin marker without its end marker');
    }
    const replaced = lines[i + 1]!.text.startsWith(BLOCK_REPLACED_PREFIX)
      ? lines[i + 1]!.text.slice(BLOCK_REPLACED_PREFIX.length)
      : undefined;
    const endEol = lines[end]!.eol;
    if (replaced !== undefined) {
      out.push({ text: replaced, eol: endEol });
    } else if (endEol === '' && out.length > 0) {
      out[out.length - 1]!.eol = '';
    }
    i = end;
  }
  return out.map((line) => line.text + line.eol).join('');
}

function damaged(fileName: string, index: number, what: string): LatchkeyError {
  return new LatchkeyError(
    'invalid_sshd_config',
    `${fileName} line ${index + 1}: Latchkey's block markers were edited by hand (${what}); ` +
      'run `latchkey-agent uninstall` (it restores the original from its backup) or remove the Latchkey lines yourself',
  );
}
