/**
 * Text from elsewhere (agents report sessions: the command a person ran, their client's address) made
 * safe to print to a terminal: control characters cannot move the cursor, recolour, retitle the window,
 * write to the clipboard, erase lines or hide a row, and bidirectional overrides cannot reorder what is
 * shown. Each is written as a visible escape (`\x1b`, `\n`, `\u202e`), and a backslash as `\\`, so the
 * output is unambiguous: what is printed says exactly what was there.
 */

// C0 controls, DEL and C1 controls; the line and paragraph separators; bidirectional marks, embeddings,
// overrides and isolates.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\\\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

export function escapeForTerminal(text: string): string {
  return text.replace(UNSAFE, (char) => {
    const named = NAMED[char];
    if (named !== undefined) return named;
    const code = char.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
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
