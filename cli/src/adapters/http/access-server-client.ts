/**
 * The AccessServer port over HTTP (node:http and node:https rather than fetch: fetch's first use costs
 * ~45 ms of start-up, a fifth of an ssh connection, and `latchkey ssh` runs once per connection). Only the
 * transport lives here: what each request and answer means is the shared protocol
 * (shared/src/api/access-server-protocol.ts).
 */
import { request as httpRequestRaw } from 'node:http';
import { request as httpsRequestRaw } from 'node:https';
import { AccessServerClient } from '@latchkey/shared';
import type { AccessServerRequest } from '@latchkey/shared';
import type { AccessServer } from '../../app/ports/access-server.js';

export class HttpAccessServer extends AccessServerClient implements AccessServer {
  constructor(url: string, options: { timeoutMs?: number; userAgent?: string } = {}) {
    super(url, httpRequest, options);
  }
}

/** One request, the whole answer as text. Rejects on network errors and after `timeoutMs`. */
function httpRequest(
  url: string,
  { method, headers, body }: AccessServerRequest,
  timeoutMs: number,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const send = url.startsWith('https:') ? httpsRequestRaw : httpRequestRaw;
    const request = send(url, { method, headers, timeout: timeoutMs }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    request.on('timeout', () =>
      request.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })),
    );
    request.on('error', reject);
    request.end(body);
  });
}
