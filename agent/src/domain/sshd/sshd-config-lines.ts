import { LatchkeyError } from '@latchkey/shared/errors/latchkey-error';

/**
 * A line-preserving reader of sshd_config text. Every line keeps its exact bytes (`text` without the line
 * ending, `eol` the ending itself), so that joining `text + eol` of all lines gives back the input byte for
 * byte: edits change whole lines and leave every other byte alone.
 *
 * The tokenizing follows OpenSSH's servconf.c (9.x): trailing whitespace (including `\r` of CRLF files and
 * `\f`) is ignored; the keyword is case-insensitive and ends at whitespace or a single `=` (so `Key value`,
 * `Key=value` and `Key = value` are the same); the arguments are split like misc.c's argv_split: double or
 * single quotes group, backslash escapes a quote, a backslash or (outside quotes) a space, and an unquoted
 * `#` starts a trailing comment. An unterminated quote is an error, as it is for sshd.
 */
export type LineEnding = '' | '\n' | '\r\n';

export interface SshdConfigLine {
  /** 0-based position in the file. */
  readonly index: number;
  /** The line without its ending. */
  readonly text: string;
  readonly eol: LineEnding;
  readonly kind: 'blank' | 'comment' | 'directive';
  /** Lower-cased keyword of a directive (`pubkeyauthentication`); '' for blanks and comments. */
  readonly keyword: string;
  /** The directive's arguments, unquoted. */
  readonly args: readonly string[];
  /**
   * For a comment that holds a directive once its `#` is removed (`#PubkeyAuthentication yes`,
   * `# TrustedUserCAKeys /x`): that directive. This is how stock files show defaults.
   */
  readonly commented?: { readonly keyword: string; readonly args: readonly string[] };
}

/** Splits text into lines with their exact endings. Only `\n` ends a line (as for getline(3)). */
export function splitLines(text: string): { text: string; eol: LineEnding }[] {
  const lines: { text: string; eol: LineEnding }[] = [];
  let start = 0;
  while (start < text.length) {
    const newline = text.indexOf('\n', start);
    if (newline < 0) {
      lines.push({ text: text.slice(start), eol: '' });
      break;
    }
    const crlf = newline > start && text[newline - 1] === '\r';
    lines.push({ text: text.slice(start, crlf ? newline - 1 : newline), eol: crlf ? '\r\n' : '\n' });
    start = newline + 1;
  }
  return lines;
}

export function joinLines(lines: readonly { text: string; eol: string }[]): string {
  return lines.map((line) => line.text + line.eol).join('');
}

/** The ending most lines use ('\n' when there are none): new lines follow the file's own style. */
export function dominantLineEnding(lines: readonly { eol: LineEnding }[]): '\n' | '\r\n' {
  const crlf = lines.filter((line) => line.eol === '\r\n').length;
  const lf = lines.filter((line) => line.eol === '\n').length;
  return crlf > lf ? '\r\n' : '\n';
}

export function parseSshdConfig(text: string, fileName: string): SshdConfigLine[] {
  return splitLines(text).map((line, index) => parseLine(line.text, line.eol, index, fileName));
}

function parseLine(text: string, eol: LineEnding, index: number, fileName: string): SshdConfigLine {
  const content = text.replace(/[ \t\r\n\f]+$/, '').replace(/^[ \t\r\n]+/, '');
  if (content === '') return { index, text, eol, kind: 'blank', keyword: '', args: [] };
  if (content.startsWith('#')) {
    const inner = splitDirective(content.replace(/^#+[ \t]*/, ''));
    const commented = inner !== undefined && /^[a-z]+$/.test(inner.keyword) ? inner : undefined;
    return { index, text, eol, kind: 'comment', keyword: '', args: [], ...(commented ? { commented } : {}) };
  }
  const directive = splitDirective(content);
  if (directive === undefined) {
    throw new LatchkeyError(
      'invalid_sshd_config',
      `${fileName} line ${index + 1}: unterminated quote in ${JSON.stringify(text.trim())}; sshd rejects this file too`,
    );
  }
  return { index, text, eol, kind: 'directive', keyword: directive.keyword, args: directive.args };
}

/** Keyword and arguments of one trimmed line, or undefined when its quotes do not close. */
function splitDirective(content: string): { keyword: string; args: string[] } | undefined {
  const keywordEnd = content.search(/[ \t="']/);
  const keyword = (keywordEnd < 0 ? content : content.slice(0, keywordEnd)).toLowerCase();
  let rest = keywordEnd < 0 ? '' : content.slice(keywordEnd);
  rest = rest.replace(/^[ \t]*=?[ \t]*/, '');
  const args = splitArguments(rest);
  return args === undefined ? undefined : { keyword, args };
}

/** misc.c argv_split(s, …, terminate_on_comment = 1). */
export function splitArguments(s: string): string[] | undefined {
  const args: string[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '#') break;
    let arg = '';
    let quote = '';
    for (; i < s.length; i++) {
      const ch = s[i]!;
      const next = s[i + 1];
      if (ch === '\\') {
        if (next === "'" || next === '"' || next === '\\' || (quote === '' && next === ' ')) {
          arg += next;
          i++;
        } else {
          arg += ch;
        }
      } else if (quote === '' && (ch === ' ' || ch === '\t')) {
        break;
      } else if (quote === '' && (ch === '"' || ch === "'")) {
        quote = ch;
      } else if (quote !== '' && ch === quote) {
        quote = '';
      } else {
        arg += ch;
      }
    }
    if (quote !== '') return undefined;
    args.push(arg);
  }
  return args;
}

/** One argument as sshd_config text: quoted when it holds whitespace, quotes, `#` or backslashes. */
export function quoteArgument(value: string): string {
  if (/^[^\s"'#\\]+$/.test(value)) return value;
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
