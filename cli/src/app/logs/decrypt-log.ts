/**
 * `latchkey logs decrypt`: the log's files in a zip (ssh-log-cli's, then session.cast, commands.json and
 * verify.txt), and the verdict for the person. A tampered log is still decrypted, so the auditor can see
 * what is left, and the command then fails (domain/logs/verdict-exit-code.ts). verify.txt is the report
 * `logs verify` prints, escaped the same way (a person reads it with cat); the other files are the
 * session's data as recorded.
 */
import { VERIFY_FILE, decryptedLogEntries, textEntry, type IntegrityVerdict } from '@latchkey/shared';
import { decryptOutputPath } from '../../domain/logs/decrypt-output-path.js';
import { renderVerifyReportForTerminal } from '../../domain/logs/verify-report-for-terminal.js';
import { openSessionLog, type OpenLogRequest } from './open-session-log.js';
import type { LogFiles } from './ports.js';

export interface DecryptResult {
  output: string;
  entries: string[];
  integrity: IntegrityVerdict;
}

export async function decryptLog(
  files: LogFiles,
  request: OpenLogRequest & { output?: string },
): Promise<DecryptResult> {
  const output = decryptOutputPath(request.input, request.output);
  const log = await openSessionLog(files, request);
  const entries = decryptedLogEntries(log).map((entry) =>
    entry.name === VERIFY_FILE ? textEntry(VERIFY_FILE, renderVerifyReportForTerminal(log)) : entry,
  );
  await files.writeZip(output, entries);
  return { output, entries: entries.map((entry) => entry.name), integrity: log.integrity };
}
