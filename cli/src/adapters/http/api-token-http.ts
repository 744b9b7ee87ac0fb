/**
 * Requests to the access server's API with an API token, for the auditor's and the admin's clients
 * (audit-api-client.ts, admin-api-client.ts): node:http and node:https (no fetch start-up, as the rest
 * of the CLI), Cloudflare's envelope, and one way to say what went wrong:
 * `<server> refused <METHOD> <path>: <the server's words>` with a hint of what to do, and the code the
 * status means (shared/src/client/error-for-status.ts: 401 unauthenticated, 403 permission_denied, 404
 * not_found, 400/422 invalid_argument, 409 conflict, 413 payload_too_large, else unavailable); a server
 * that cannot be reached is `unavailable`: "cannot reach the access server at …".
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { LatchkeyError, errorCodeForStatus, jsonOrNull, readEnvelopeAnswer } from '@latchkey/shared';
import { tokenHint } from '../../domain/api-token-permission.js';

export type ApiMethod = 'GET' | 'POST' | 'DELETE';

export interface ApiTokenHttpOptions {
  readonly userAgent?: string;
  readonly timeoutMs?: number;
}

export class ApiTokenHttp {
  constructor(
    readonly url: string,
    private readonly token: string,
    private readonly options: ApiTokenHttpOptions = {},
  ) {}

  /**
   * One JSON request; the envelope's result (and result_info), or the refusal as a LatchkeyError that
   * names `permission` when the token lacks it.
   */
  async json<T>(
    method: ApiMethod,
    path: string,
    permission: string | undefined,
    body?: unknown,
  ): Promise<{ result: T; resultInfo?: unknown }> {
    const response = await this.send(method, path, 'application/json', body);
    const status = response.statusCode ?? 0;
    const json = parseJson(await readAll(response));
    const read = readEnvelopeAnswer<T>(status, json);
    if (read.ok) return { result: read.result, resultInfo: read.resultInfo };
    throw this.refusal(method, path, status, json, permission);
  }

  /** Sends one request and resolves with the response as it starts (its body still to be read). */
  send(method: ApiMethod, path: string, accept: string, body?: unknown): Promise<IncomingMessage> {
    const headers: Record<string, string> = { accept, authorization: `Bearer ${this.token}` };
    if (this.options.userAgent !== undefined) headers['user-agent'] = this.options.userAgent;
    const text = body === undefined ? undefined : JSON.stringify(body);
    if (text !== undefined) headers['content-type'] = 'application/json';
    const url = `${this.url}${path}`;
    const send = url.startsWith('https:') ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const request = send(url, { method, headers, timeout: this.options.timeoutMs ?? 30_000 }, resolve);
      request.on('timeout', () =>
        request.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })),
      );
      request.on('error', (error) => {
        const why = (error as NodeJS.ErrnoException).code ?? error.message;
        reject(
          new LatchkeyError('unavailable', `cannot reach the access server at ${this.url} (${why})`, {
            cause: error,
          }),
        );
      });
      request.end(text);
    });
  }

  /** What a refusal (any answer but a successful envelope) says, with what to do about it. */
  refusal(
    method: ApiMethod,
    path: string,
    status: number,
    body: unknown,
    permission: string | undefined,
  ): LatchkeyError {
    const read = readEnvelopeAnswer(status, body);
    const said = !read.ok && read.message !== '' ? read.message : `HTTP ${status}`;
    const hint =
      status === 401
        ? ' (is the API token right, and not expired?)'
        : status === 403 && permission !== undefined
          ? said.includes(`"${permission}"`)
            ? `; ${tokenHint(permission)}`
            : ` (this needs an API token with the permission "${permission}"; ${tokenHint(permission)})`
          : '';
    return new LatchkeyError(
      errorCodeForStatus(status),
      `${this.url} refused ${method} ${path.split('?')[0]}: ${said}${hint}`,
    );
  }
}

export function readAll(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('error', reject);
    response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

export const parseJson = jsonOrNull;

/** `?a=1&b=2` of the defined values, or '' when there are none. */
export function searchOf(query: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) search.set(key, String(value));
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}
