/**
 * The AccessServer port over fetch. Only the transport lives here: what each request and answer means is
 * the shared protocol (shared/src/api/access-server-protocol.ts).
 */
import { AccessServerClient } from '@latchkey/shared';
import type { AccessServerRequest } from '@latchkey/shared';
import type { AccessServer } from '../../app/ports/access-server.js';

export class FetchAccessServer extends AccessServerClient implements AccessServer {
  constructor(url: string, options: { timeoutMs?: number; userAgent?: string } = {}) {
    super(url, fetchText, { unreachableHint: 'check "latchkey.serverUrl"', ...options });
  }
}

/** One request, the whole answer as text. Rejects on network errors and after `timeoutMs`. */
async function fetchText(
  url: string,
  { method, headers, body }: AccessServerRequest,
  timeoutMs: number,
): Promise<{ status: number; text: string }> {
  const response = await fetch(url, {
    method,
    headers,
    ...(body === undefined ? {} : { body }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  return { status: response.status, text: await response.text() };
}
