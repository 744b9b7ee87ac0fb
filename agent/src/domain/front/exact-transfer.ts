/**
 * Which exec requests are plain file transfers, judged strictly: the command line must be exactly one
 * scp, rsync or sftp-server invocation, with no shell syntax that could run anything else
 * (`scp -t x; echo SECRET`, `sftp-server </dev/null && sh`, `$(…)`, a newline). Anything else is an
 * ordinary command. Pure.
 *
 * The front records a transfer's bytes either way; this decides only whether the log also says
 * "transfer" (program, direction, byte counts), so a disguise gains nothing but a misleading label,
 * and that label is refused here.
 */
import { classifyTransferCommand, type TransferCommand } from '../recording/transfer-commands.js';

/** Outside quotes, any of these starts shell syntax beyond a simple command. */
const UNQUOTED_SYNTAX = new Set([...';&|<>()`$\n\r*?[]{}~#!\\']);
/** Inside double quotes, expansions and escapes still happen. */
const DOUBLE_QUOTED_SYNTAX = new Set([...'`$\\']);

export function classifyExactTransfer(commandLine: string): TransferCommand | null {
  if (!isSimpleCommand(commandLine)) return null;
  return classifyTransferCommand(commandLine);
}

/** True when the line is words separated by blanks, quoted with '…' or "…" without expansions. */
export function isSimpleCommand(commandLine: string): boolean {
  let quote: "'" | '"' | null = null;
  for (const char of commandLine) {
    if (quote === "'") {
      if (char === "'") quote = null;
      continue;
    }
    if (quote === '"') {
      if (char === '"') quote = null;
      else if (DOUBLE_QUOTED_SYNTAX.has(char)) return false;
      continue;
    }
    if (char === "'" || char === '"') quote = char;
    else if (UNQUOTED_SYNTAX.has(char)) return false;
    else if (char < ' ' && char !== '\t') return false;
  }
  return quote === null;
}
