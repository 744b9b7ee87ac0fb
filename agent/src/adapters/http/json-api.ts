/**
 * One JSON request to a Cloudflare-shaped API: the bearer token, Cloudflare's envelope unwrapped, and
 * failures as LatchkeyError — `unavailable` when the server cannot be reached, times out or answers
 * 5xx (the daemon retries those), otherwise the server's own code (its `latchkey_code`, or one that
 * fits the HTTP status) and message.
 */
import { ERROR_CODES, LatchkeyError } from '@latchkey/shared';
import type { ErrorCode } from '@latchkey/shared';

export interface JsonAnswer {
  readonly result: unknown;
  readonly status: number;
  /** The HTTP Date header. */
  readonly date: string | null;
  readonly sentAt: number;
  readonly receivedAt: number;
  /** The first error's message of a failure envelope (for the caller's own handling). */
}

export interface JsonRequest {
  readonly method: 'GET' | 'POST' | 'PUT';
  readonly url: string;
  readonly token?: string;
  readonly body?: unknown;
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 15_000;

export async function requestJson(request: JsonRequest): Promise<JsonAnswer> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (request.token !== undefined) headers.authorization = `Bearer ${request.token}`;
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  const sentAt = Date.now();
  let response: Response;
  let text: string;
  try {
    response = await fetch(request.url, {
      method: request.method,
      headers,
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
      signal: AbortSignal.timeout(request.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    });
    text = await response.text();
  } catch (error) {
    throw new LatchkeyError('unavailable', `cannot reach ${new URL(request.url).origin}: ${causeOf(error)}`, {
      cause: error,
    });
  }
  const receivedAt = Date.now();
  let envelope: {
    success?: boolean;
    result?: unknown;
    errors?: { message?: string; latchkey_code?: string }[];
  };
  try {
    envelope = JSON.parse(text) as typeof envelope;
  } catch {
    if (response.status >= 500) {
      throw new LatchkeyError('unavailable', `${request.method} ${request.url} answered ${response.status}`);
    }
    throw new LatchkeyError(
      'invalid_argument',
      `${request.method} ${request.url} answered ${response.status} without JSON; is this the right --server / --api-base?`,
    );
  }
  if (response.ok && envelope.success !== false) {
    return {
      result: envelope.result,
      status: response.status,
      date: response.headers.get('date'),
      sentAt,
      receivedAt,
    };
  }
  const first = envelope.errors?.[0];
  const message = first?.message ?? `${request.method} ${request.url} answered ${response.status}`;
  throw new LatchkeyError(codeFor(response.status, first?.latchkey_code), message);
}

function codeFor(status: number, latchkeyCode: string | undefined): ErrorCode {
  if (status >= 500) return 'unavailable';
  if (latchkeyCode !== undefined && latchkeyCode in ERROR_CODES) return latchkeyCode as ErrorCode;
  switch (status) {
    case 401:
      return 'unauthenticated';
    case 403:
      return 'permission_denied';
    case 404:
      return 'not_found';
    case 409:
      return 'conflict';
    default:
      return 'invalid_argument';
  }
}

function causeOf(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof Error) return cause.message;
    return error.message;
  }
  return String(error);
}
