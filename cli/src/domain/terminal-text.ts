/**
 * Text from elsewhere (what agents report, what a session log claims, what the access server answers) made
 * safe to print to a terminal: control characters cannot move the cursor, recolour, retitle the window,
 * write to the clipboard, erase lines or hide a row, and bidirectional overrides cannot reorder what is
 * shown. Each is written as a visible escape (`\x1b`, `\n`, `\u202e`), and a backslash as `\\`, so the
 * output is unambiguous: what is printed says exactly what was there.
 *
 * Every field the CLI prints that it did not write itself goes through one of these. (A session's own
 * terminal output, replayed by `latchkey logs play`, is filtered instead: domain/logs/replay-filter.ts.)
 */

// C0 controls, DEL and C1 controls; the line and paragraph separators; bidirectional marks, embeddings,
// overrides and isolates. The backslash, so that an escape cannot be faked.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNSAFE = /[\\\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function visible(char: string): string {
  const named = NAMED[char];
  if (named !== undefined) return named;
  const code = char.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** One field, on one line: every unsafe character (a line break too) as a visible escape. */
export function escapeForTerminal(text: string): string {
  return text.replace(UNSAFE, visible);
}

/**
 * A value that should be a string but comes from JSON nobody checked (a session log's records): a string
 * escaped, anything else as its JSON, escaped (so an array of escape sequences cannot slip through).
 */
export function escapeValueForTerminal(value: unknown): string {
  return escapeForTerminal(typeof value === 'string' ? value : valueText(value));
}

/** As escapeForTerminal, but line feeds stay line breaks: for messages of several lines. */
export function escapeLinesForTerminal(text: string): string {
  return text.split('\n').map(escapeForTerminal).join('\n');
}

/**
 * JSON for a terminal: JSON.stringify escapes C0 controls already; DEL, C1 controls, the separators and
 * the bidirectional characters are written as `\uXXXX` too (the same JSON value, parsed).
 */
export function jsonForTerminal(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(
    /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function valueText(value: unknown): string {
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
