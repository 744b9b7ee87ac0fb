/**
 * What `latchkey logs decrypt` writes into its zip: ssh-log-cli's files, then session.cast (asciicast v2),
 * commands.json and verify.txt. Pure renderers over a decrypted log (readSessionLog's result).
 */
import type { SessionLogContents } from '../session-log-reader.js';
import { asciicastEntry } from './asciicast.js';
import { commandsJsonEntry } from './commands-json.js';
import type { OutputEntry } from './output-entry.js';
import { sshLogCliEntries } from './ssh-log-cli-files.js';
import { verifyReportEntry } from './verify-report.js';

export * from './output-entry.js';
export * from './ssh-log-cli-files.js';
export * from './asciicast.js';
export * from './commands-json.js';
export * from './verify-report.js';

/** Every entry of Latchkey's decrypt zip, in order. */
export function decryptedLogEntries(log: SessionLogContents): OutputEntry[] {
  const identity = log.integrity.identity;
  return [
    ...sshLogCliEntries(log),
    asciicastEntry({ ...log, ...(identity === undefined ? {} : { identity }) }),
    commandsJsonEntry(log),
    verifyReportEntry(log),
  ];
}
