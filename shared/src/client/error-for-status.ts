/**
 * The one reading of an HTTP status as a Latchkey error code, for every client of the access server (the
 * CLI, the extension, the agent). It follows ERROR_CODES: a status the table gives one of its generic codes
 * (400, 401, 403, 404, 409, 413) reads as that code. Before it there were three ladders: the agent's, the
 * CLI's admin client and the shared envelope reader, and a 409 or a 413 read as `conflict` in one and
 * `unavailable` in another.
 */
import { ERROR_CODES, type ErrorCode } from '../errors/error-codes.js';

/** The generic codes a client may read from a 4xx status alone, in the table's order of precedence. */
const STATUS_CODES = [
  'invalid_argument',
  'unauthenticated',
  'permission_denied',
  'not_found',
  'conflict',
  'payload_too_large',
] as const satisfies readonly ErrorCode[];

/**
 * The code a failed answer's status means: the generic code ERROR_CODES gives that status, 422 (a body that
 * does not validate) as `invalid_argument`, and anything else (5xx, 405, 429, a proxy's page) as
 * `unavailable`: from the client's side the server failed, whatever its reason.
 */
export function errorCodeForStatus(status: number): ErrorCode {
  if (status === 422) return 'invalid_argument';
  return STATUS_CODES.find((code) => ERROR_CODES[code] === status) ?? 'unavailable';
}

export function isErrorCode(text: unknown): text is ErrorCode {
  return typeof text === 'string' && Object.hasOwn(ERROR_CODES, text);
}

/**
 * Like errorCodeForStatus, but the server's own `latchkey_code` wins when it is in the table and the
 * answer is not a 5xx (e.g. `access_denied` rather than `permission_denied` for a policy's refusal). For a
 * client that tells those apart; the CLI and the extension match on the generic codes, and their exit
 * statuses and retries are built on them, so they read the status alone.
 */
export function errorCodeForAnswer(status: number, latchkeyCode: unknown): ErrorCode {
  if (status < 500 && isErrorCode(latchkeyCode)) return latchkeyCode;
  return errorCodeForStatus(status);
}
