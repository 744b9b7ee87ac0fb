/**
 * The access server's refusal of a WebSocket upgrade (the tunnel's `GET /v1/tunnel/connect`,
 * docs/tunnels.md): it answers before the upgrade with an HTTP status and the error envelope, and nothing
 * reaches the agent. One reading for the CLI's `latchkey proxy` and the extension's terminal, so both say
 * the same thing for the same refusal:
 *
 * - 401 is always `unauthenticated`, whatever code the envelope names, so the caller's signed-in session
 *   refreshes its access token and asks again;
 * - otherwise the envelope's `latchkey_code` when it is in ERROR_CODES (`access_denied` for a policy's
 *   refusal, `not_found` for an unknown target, `unavailable` for a target whose agent holds no tunnel);
 * - otherwise the status's code (errorCodeForStatus: a proxy's page, an answer without the envelope).
 *
 * The message is the envelope's, or names the status when the answer has none.
 */
import { LatchkeyError } from '../errors/latchkey-error.js';
import { readEnvelopeAnswer, jsonOrNull } from './envelope-answer.js';
import { errorCodeForStatus, isErrorCode } from './error-for-status.js';

export function upgradeRefusalError(status: number, bodyText: string): LatchkeyError {
  const read = readEnvelopeAnswer(status, jsonOrNull(bodyText));
  const named = read.ok ? undefined : read.latchkeyCode;
  const code = status === 401 ? 'unauthenticated' : isErrorCode(named) ? named : errorCodeForStatus(status);
  const message = !read.ok && read.message !== '' ? read.message : `the server answered HTTP ${status}`;
  return new LatchkeyError(code, message);
}
