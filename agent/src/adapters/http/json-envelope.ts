/**
 * Reading one answer of a Cloudflare-shaped API: Cloudflare's envelope unwrapped, or the failure as a
 * LatchkeyError. The status and the server's `latchkey_code` become a code through shared's one reading
 * (`errorCodeForAnswer`, shared/src/client/error-for-status.ts), the same the CLI and the extension use:
 * the server's own code when it is in ERROR_CODES and the answer is not a 5xx, else the table's code for
 * the status, and `unavailable` for anything else (5xx, 429, 405: the daemon retries those). Pure, so it is
 * tested without a socket; json-api.ts does the I/O.
 */
import { errorCodeForAnswer } from '@latchkey/shared/client/error-for-status';
import { LatchkeyError } from '@latchkey/shared/errors/latchkey-error';

export interface RawAnswer {
  readonly status: number;
  /** The body as text. */
  readonly text: string;
}

interface Envelope {
  success?: boolean;
  result?: unknown;
  errors?: { message?: string; latchkey_code?: string }[];
}

/**
 * The envelope's `result` of a 2xx answer whose `success` is not false; otherwise throws. A body that is
 * not JSON is a proxy's or another program's page: `unavailable` for a 5xx, else `invalid_argument` with a
 * hint at the configured address (a 404 page read as `not_found` would pass for a missing resource).
 */
export function envelopeResult(request: { method: string; url: string }, answer: RawAnswer): unknown {
  const { status } = answer;
  let envelope: Envelope;
  try {
    envelope = JSON.parse(answer.text) as Envelope;
  } catch {
    if (status >= 500) {
      throw new LatchkeyError('unavailable', `${request.method} ${request.url} answered ${status}`);
    }
    throw new LatchkeyError(
      'invalid_argument',
      `${request.method} ${request.url} answered ${status} without JSON; is this the right --server / --api-base?`,
    );
  }
  if (status >= 200 && status < 300 && envelope?.success !== false) return envelope?.result;
  const first = envelope?.errors?.[0];
  const message = first?.message ?? `${request.method} ${request.url} answered ${status}`;
  throw new LatchkeyError(errorCodeForAnswer(status, first?.latchkey_code), message);
}
