/**
 * `latchkey logs decrypt`: the log's files in a zip (ssh-log-cli's, then session.cast, commands.json and
 * verify.txt), and the verdict for the person. A tampered log is still decrypted, so the auditor can see
 * what is left, and the command then fails (domain/logs/verdict-exit-code.ts).
 */
import { decryptedLogEntries, type IntegrityVerdict } from '@latchkey/shared';
import { decryptOutputPath } from '../../domain/logs/decrypt-output-path.js';
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
  const entries = decryptedLogEntries(log);
  await files.writeZip(output, entries);
  return { output, entries: entries.map((entry) => entry.name), integrity: log.integrity };
}
