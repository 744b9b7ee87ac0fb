/**
 * The protocol a signed-in client (the CLI, the VS Code extension) speaks with the access server
 * (docs/sign-in.md, "HTTP"), without the transport: which request each operation sends (method, path,
 * headers, form or JSON body) and what each answer means (a result, a poll state, or a LatchkeyError
 * whose message says what happened in the person's terms). `/oauth/*` speaks OAuth 2.0 (RFC 8628
 * device flow, RFC 6749 tokens, RFC 7009 revocation: form bodies, `{error, error_description}`
 * failures); `/v1/me*` answers in Cloudflare's envelope.
 *
 * No I/O: each client gives `AccessServerClient` its own transport (node:http in the CLI, which must
 * start fast; fetch in the extension). The server's side is server/src/adapters/http/routes/oauth.ts
 * and me.ts.
 */
import { jsonOrNull, readEnvelopeAnswer } from '../client/envelope-answer.js';
import type { ErrorCode } from '../errors/error-codes.js';
import { LatchkeyError } from '../errors/latchkey-error.js';
import { LIMITS } from '../limits.js';
import type { DeviceAuthorization, DeviceTokenPoll, TokenSet } from './device-flow.js';
import type { CertificateRequestBody, IssuedCertificateResult, Me, MyTarget } from './me.js';

/** One request to the access server; `path` is appended to the server's URL. */
export interface AccessServerRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  /** A form (`application/x-www-form-urlencoded`) or JSON text, as `headers['content-type']` says. */
  body?: string;
}

/** The access server's answer: its HTTP status, and its body parsed as JSON (null when empty or not JSON). */
export interface AccessServerAnswer {
  status: number;
  json: unknown;
}

/**
 * A client's transport: sends one request to `url` (the server's URL and the request's path) and resolves
 * with the status and the whole body as text, whatever the status. Rejects when there is no answer
 * (refused, reset, timed out after `timeoutMs`); the client turns that into "cannot reach".
 */
export type AccessServerTransport = (
  url: string,
  request: AccessServerRequest,
  timeoutMs: number,
) => Promise<{ status: number; text: string }>;

export interface AccessServerClientOptions {
  /** How long to wait for one answer; default ACCESS_SERVER_TIMEOUT_MS. */
  timeoutMs?: number;
  /** Sent as `user-agent`, e.g. `latchkey/1.2.3`. */
  userAgent?: string;
  /** Added to "cannot reach the access server at …", e.g. which setting holds the URL. */
  unreachableHint?: string;
}

/** What every client's AccessServer port offers. */
export interface AccessServerOperations {
  readonly url: string;
  startDeviceAuthorization(clientId: string): Promise<DeviceAuthorization>;
  pollDeviceToken(deviceCode: string, clientId: string): Promise<DeviceTokenPoll>;
  refresh(refreshToken: string): Promise<TokenSet>;
  /** RFC 7009: ends the whole sign-in session. */
  revoke(token: string): Promise<void>;
  me(accessToken: string): Promise<Me>;
  myTargets(accessToken: string): Promise<MyTarget[]>;
  issueCertificate(accessToken: string, request: CertificateRequestBody): Promise<IssuedCertificateResult>;
}

/** How long a client waits for one answer before it says the server cannot be reached. */
export const ACCESS_SERVER_TIMEOUT_MS = LIMITS.client.requestTimeoutMs;

const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const POLL_ANSWERS = new Set(['authorization_pending', 'slow_down', 'access_denied', 'expired_token']);

/**
 * The access server for one client: every operation builds its request, hands it to the transport, and
 * reads the answer. Failures are LatchkeyErrors: `unauthenticated` for a refused refresh token
 * (`invalid_grant`); for an API answer the code errorCodeForStatus reads from its status (401
 * `unauthenticated`, 403 `permission_denied` with the server's own words, 404 `not_found`, 400 or 422
 * `invalid_argument`, 409 `conflict`, 413 `payload_too_large`), `unavailable` otherwise (5xx, an answer
 * that is not Latchkey's, or no answer at all).
 */
export class AccessServerClient implements AccessServerOperations {
  private readonly headers: Record<string, string>;

  constructor(
    readonly url: string,
    private readonly transport: AccessServerTransport,
    private readonly options: AccessServerClientOptions = {},
  ) {
    this.headers = options.userAgent === undefined ? {} : { 'user-agent': options.userAgent };
  }

  /** Sends `request`; its answer whatever the status, or "cannot reach" when there is none. */
  private async send(request: AccessServerRequest): Promise<AccessServerAnswer> {
    let answer: { status: number; text: string };
    try {
      answer = await this.transport(
        `${this.url}${request.path}`,
        request,
        this.options.timeoutMs ?? ACCESS_SERVER_TIMEOUT_MS,
      );
    } catch (error) {
      throw unreachableError(this.url, whyUnreachable(error), error, this.options.unreachableHint);
    }
    return { status: answer.status, json: jsonOrNull(answer.text) };
  }

  async startDeviceAuthorization(clientId: string): Promise<DeviceAuthorization> {
    const answer = await this.send(this.form('/oauth/device_authorization', { client_id: clientId }));
    if (answer.status !== 200) throw oauthFailure(this.url, answer, 'starting the sign-in');
    const body = answer.json as Partial<DeviceAuthorization> | null;
    if (typeof body?.device_code !== 'string' || typeof body.user_code !== 'string') {
      throw unexpected(this.url, 'POST /oauth/device_authorization', answer);
    }
    return body as DeviceAuthorization;
  }

  async pollDeviceToken(deviceCode: string, clientId: string): Promise<DeviceTokenPoll> {
    const answer = await this.send(
      this.form('/oauth/token', {
        grant_type: DEVICE_CODE_GRANT,
        device_code: deviceCode,
        client_id: clientId,
      }),
    );
    if (answer.status === 200) return { kind: 'issued', tokens: tokenSet(this.url, answer) };
    const error = (answer.json as { error?: unknown } | null)?.error;
    if (typeof error === 'string' && POLL_ANSWERS.has(error)) {
      return { kind: error as Exclude<DeviceTokenPoll['kind'], 'issued'> };
    }
    throw oauthFailure(this.url, answer, 'waiting for the sign-in');
  }

  async refresh(refreshToken: string): Promise<TokenSet> {
    const answer = await this.send(
      this.form('/oauth/token', { grant_type: 'refresh_token', refresh_token: refreshToken }),
    );
    if (answer.status === 200) return tokenSet(this.url, answer);
    const body = answer.json as { error?: unknown; error_description?: unknown } | null;
    if (body?.error === 'invalid_grant') {
      throw new LatchkeyError(
        'unauthenticated',
        typeof body.error_description === 'string' ? body.error_description : 'the refresh token was refused',
      );
    }
    throw oauthFailure(this.url, answer, 'refreshing the sign-in');
  }

  async revoke(token: string): Promise<void> {
    const answer = await this.send(this.form('/oauth/revoke', { token }));
    if (answer.status !== 200) throw oauthFailure(this.url, answer, 'signing out');
  }

  me(accessToken: string): Promise<Me> {
    return this.api<Me>('GET', '/v1/me', accessToken);
  }

  myTargets(accessToken: string): Promise<MyTarget[]> {
    return this.api<MyTarget[]>('GET', '/v1/me/targets', accessToken);
  }

  issueCertificate(accessToken: string, request: CertificateRequestBody): Promise<IssuedCertificateResult> {
    return this.api<IssuedCertificateResult>('POST', '/v1/me/certificates', accessToken, request);
  }

  private form(path: string, fields: Record<string, string>): AccessServerRequest {
    return {
      method: 'POST',
      path,
      headers: {
        ...this.headers,
        accept: 'application/json',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams(fields).toString(),
    };
  }

  private async api<T>(
    method: 'GET' | 'POST',
    path: string,
    accessToken: string,
    body?: unknown,
  ): Promise<T> {
    const headers: Record<string, string> = {
      ...this.headers,
      accept: 'application/json',
      authorization: `Bearer ${accessToken}`,
    };
    const request: AccessServerRequest = { method, path, headers };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      request.body = JSON.stringify(body);
    }
    return envelopeResult<T>(this.url, request, await this.send(request));
  }
}

/** The result of a `/v1/me*` answer in Cloudflare's envelope, or the LatchkeyError its status means. */
export function envelopeResult<T>(
  serverUrl: string,
  request: Pick<AccessServerRequest, 'method' | 'path'>,
  answer: AccessServerAnswer,
): T {
  const read = readEnvelopeAnswer<T>(answer.status, answer.json);
  if (read.ok) return read.result;
  throw new LatchkeyError(
    read.code,
    read.message !== ''
      ? read.message
      : `${request.method} ${serverUrl}${request.path} answered HTTP ${answer.status}`,
  );
}

/** The LatchkeyError for a request that got no answer (refused, reset, timed out); `why` is e.g. ECONNREFUSED. */
function unreachableError(serverUrl: string, why: string, cause: unknown, hint?: string): LatchkeyError {
  return new LatchkeyError(
    'unavailable',
    `cannot reach the access server at ${serverUrl} (${why})${hint === undefined ? '' : `; ${hint}`}`,
    { cause },
  );
}

/**
 * Why a request got no answer, in the transport's words: node's error code (ECONNREFUSED, ETIMEDOUT), else
 * the code or message of fetch's cause, else the error's message.
 */
function whyUnreachable(error: unknown): string {
  const { code, cause, message } = (error ?? {}) as { code?: unknown; cause?: unknown; message?: unknown };
  if (typeof code === 'string') return code;
  const inner = (cause ?? {}) as { code?: unknown; message?: unknown };
  if (typeof inner.code === 'string') return inner.code;
  if (typeof inner.message === 'string') return inner.message;
  return typeof message === 'string' ? message : String(error);
}

function tokenSet(serverUrl: string, answer: AccessServerAnswer): TokenSet {
  const body = answer.json as Partial<TokenSet> | null;
  if (
    typeof body?.access_token !== 'string' ||
    typeof body.refresh_token !== 'string' ||
    typeof body.expires_in !== 'number'
  ) {
    throw unexpected(serverUrl, 'POST /oauth/token', answer);
  }
  return body as TokenSet;
}

/** An OAuth failure (`{error, error_description}`): the description, else the error, else the status. */
function oauthFailure(serverUrl: string, answer: AccessServerAnswer, doing: string): LatchkeyError {
  const body = answer.json as { error?: unknown; error_description?: unknown } | null;
  const detail =
    typeof body?.error_description === 'string'
      ? body.error_description
      : typeof body?.error === 'string'
        ? body.error
        : `HTTP ${answer.status}`;
  const code: ErrorCode = answer.status >= 500 || answer.status === 404 ? 'unavailable' : 'invalid_argument';
  return new LatchkeyError(code, `${serverUrl} refused ${doing}: ${detail}`);
}

function unexpected(serverUrl: string, what: string, answer: AccessServerAnswer): LatchkeyError {
  return new LatchkeyError(
    'unavailable',
    `${what} at ${serverUrl} answered HTTP ${answer.status} with something that is not the expected JSON; is it a Latchkey access server?`,
  );
}
