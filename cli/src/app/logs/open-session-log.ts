/**
 * Reads a session log and the auditor's private key and decrypts it (readSessionLog), turning each way
 * this can fail into a message that names the file and says what is wrong: a key file that is not a key,
 * a file that is not a session log, the wrong key (or the public key given instead of the private one).
 * A log cut short is not an error: it decrypts, with the verdict `incomplete`.
 */
import {
  LatchkeyError,
  isLatchkeyError,
  parseAuditorKey,
  readSessionLog,
  type SessionLogContents,
} from '@latchkey/shared';
import type { LogFiles } from './ports.js';

export interface OpenLogRequest {
  /** The log file (-i). */
  input: string;
  /** The private key file (-k), as `logs keygen` or ssh-log-cli writes it. */
  keyFile: string;
}

export async function openSessionLog(files: LogFiles, request: OpenLogRequest): Promise<SessionLogContents> {
  const keyBytes = await files.read(request.keyFile, 'the private key file');
  const key = parseAuditorKey(Buffer.from(keyBytes).toString('utf8'), `private key file ${request.keyFile}`);
  const file = await files.read(request.input, 'the log file');
  try {
    return readSessionLog(file, key);
  } catch (error) {
    if (isLatchkeyError(error, 'malformed_session_log')) {
      throw new LatchkeyError(
        'malformed_session_log',
        `${request.input} is not a readable session log: ${error.message}`,
        { cause: error },
      );
    }
    if (isLatchkeyError(error, 'session_log_decryption_failed')) {
      const hint = request.keyFile.endsWith('.pub')
        ? ` (${request.keyFile} looks like the public key: give the private key file, without .pub)`
        : '';
      throw new LatchkeyError(
        'session_log_decryption_failed',
        `${request.input} does not open with ${request.keyFile}: the log was sealed to another key, or its metadata (encapsulated key) was altered${hint}`,
        { cause: error },
      );
    }
    throw error;
  }
}
