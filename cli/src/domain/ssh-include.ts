/**
 * Adding Latchkey's generated file to the person's ~/.ssh/config with one `Include` line at the very
 * top: an Include inside a `Host`/`Match` block would only apply to that block, and ssh keeps the first
 * value it reads, so the person's own settings below still win for anything Latchkey does not set.
 * Idempotent: nothing changes when an Include of that file is already there, anywhere.
 */
export const INCLUDE_COMMENT = "# Added by `latchkey ssh-config --write`: Latchkey's Host entries.";

export function includeDirective(path: string): string {
  return /\s/.test(path) ? `Include "${path}"` : `Include ${path}`;
}

export function hasInclude(configText: string, path: string): boolean {
  return configText.split(/\r?\n/).some((line) => {
    const match = /^\s*include(?:\s*=\s*|\s+)(.*?)\s*$/i.exec(line);
    if (match === null) return false;
    return match[1]!
      .split(/\s+(?=(?:[^"]*"[^"]*")*[^"]*$)/)
      .some((word) => word.replace(/^"(.*)"$/, '$1') === path);
  });
}

/** The new ~/.ssh/config text, or undefined when it already includes `path`. */
export function addInclude(configText: string | undefined, path: string): string | undefined {
  if (configText !== undefined && hasInclude(configText, path)) return undefined;
  const head = `${INCLUDE_COMMENT}\n${includeDirective(path)}\n`;
  if (configText === undefined || configText === '') return head;
  const newline = configText.includes('\r\n') ? '\r\n' : '\n';
  return `${head.replace(/\n/g, newline)}${newline}${configText}`;
}
