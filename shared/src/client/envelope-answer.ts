/**
 * Reading Cloudflare's envelope (shared/src/api/envelope.ts) in an answer from the access server: the
 * result, or what the failure says. One reader for every client, so each says the same thing for the same
 * answer.
 */
import type { ErrorCode } from '../errors/error-codes.js';
import { errorCodeForStatus } from './error-for-status.js';

/** The body text as JSON, or null when it is empty or not JSON (a proxy's error page, a cut answer). */
export function jsonOrNull(text: string): unknown {
  try {
    return text === '' ? null : (JSON.parse(text) as unknown);
  } catch {
    return null;
  }
}

export type EnvelopeAnswer<T> =
  | { ok: true; result: T; resultInfo: unknown }
  | {
      ok: false;
      /** errorCodeForStatus of the answer's status. */
      code: ErrorCode;
      /** The error items' messages joined with "; ", or '' when the answer has none (not an envelope). */
      message: string;
      /** The first error item's `latchkey_code`, when it has one. */
      latchkeyCode: string | undefined;
    };

/** A 2xx answer whose body is an envelope with `success: true` is a result; anything else is a failure. */
export function readEnvelopeAnswer<T>(status: number, json: unknown): EnvelopeAnswer<T> {
  const envelope = (typeof json === 'object' ? json : null) as {
    success?: unknown;
    result?: unknown;
    result_info?: unknown;
    errors?: unknown;
  } | null;
  if (status >= 200 && status < 300 && envelope?.success === true) {
    return { ok: true, result: envelope.result as T, resultInfo: envelope.result_info };
  }
  const items = (Array.isArray(envelope?.errors) ? envelope.errors : []) as ({
    message?: unknown;
    latchkey_code?: unknown;
  } | null)[];
  const message = items
    .map((item) => item?.message)
    .filter((text): text is string => typeof text === 'string' && text !== '')
    .join('; ');
  const latchkeyCode = items[0]?.latchkey_code;
  return {
    ok: false,
    code: errorCodeForStatus(status),
    message,
    latchkeyCode: typeof latchkeyCode === 'string' ? latchkeyCode : undefined,
  };
}
