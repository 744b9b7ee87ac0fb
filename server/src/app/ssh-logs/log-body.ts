/**
 * An uploaded log file as the HTTP layer hands it over: the pieces in which it arrived (never joined into
 * one buffer, so a 256 MiB upload is held once), and checks on it that need no key: its SHA-256, and
 * that it starts with a well-formed session-log header (shared/src/session-log), so garbage is refused
 * before anything is stored.
 */
import { createHash } from 'node:crypto';
import { LatchkeyError, parseHeader } from '@latchkey/shared';

export interface LogBody {
  readonly pieces: readonly Uint8Array[];
  readonly size: number;
}

/** The largest header a session log may have (u32 length + 1 MiB of base64, as parseHeader allows). */
const MAX_HEADER_BYTES = 4 + (1 << 20);

export function sha256OfBody(body: LogBody): Uint8Array {
  const hash = createHash('sha256');
  for (const piece of body.pieces) hash.update(piece);
  return new Uint8Array(hash.digest());
}

/** Throws malformed_session_log, saying what is wrong, unless the body starts with a log header. */
export function checkLogHeader(body: LogBody): void {
  if (body.size === 0) {
    throw new LatchkeyError('malformed_session_log', 'the body is empty: expected a session log file');
  }
  const head = Buffer.concat(body.pieces.slice(0, piecesCovering(body, MAX_HEADER_BYTES))).subarray(
    0,
    MAX_HEADER_BYTES,
  );
  try {
    parseHeader(head);
  } catch (error) {
    const problem = error instanceof LatchkeyError ? error.message : String(error);
    throw new LatchkeyError('malformed_session_log', `the body is not a session log: ${problem}`, {
      cause: error,
    });
  }
}

function piecesCovering(body: LogBody, bytes: number): number {
  let count = 0;
  let covered = 0;
  while (count < body.pieces.length && covered < bytes) covered += body.pieces[count++]!.length;
  return count;
}
