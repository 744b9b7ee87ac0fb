/**
 * The AccessServer port over HTTP (node:http and node:https rather than fetch: fetch's first use costs
 * ~45 ms of start-up, a fifth of an ssh connection, and `latchkey ssh` runs once per connection). `/oauth/*` speaks OAuth 2.0 (form bodies, `{error,
 * error_description}` failures); `/v1/me*` answers in Cloudflare's envelope. Every failure becomes a
 * LatchkeyError whose message says what happened in the person's terms.
 */
import { request as httpRequestRaw } from 'node:http';
import { request as httpsRequestRaw } from 'node:https';
import { LatchkeyError } from '@latchkey/shared';
import type { ErrorCode } from '@latchkey/shared';
import type { AccessServer } from '../../app/ports/access-server.js';
import type {
  CertificateRequest,
  DeviceAuthorization,
  DeviceTokenPoll,
  IssuedCertificate,
  Me,
  MeTarget,
  TokenSet,
} from '../../domain/access-api.js';

const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const POLL_ANSWERS = new Set(['authorization_pending', 'slow_down', 'access_denied', 'expired_token']);

interface HttpAnswer {
  status: number;
  json: unknown;
}

export class HttpAccessServer implements AccessServer {
  constructor(
    readonly url: string,
    private readonly options: { timeoutMs?: number; userAgent?: string } = {},
  ) {}

  async startDeviceAuthorization(clientId: string): Promise<DeviceAuthorization> {
    const answer = await this.request('POST', '/oauth/device_authorization', {
      form: { client_id: clientId },
    });
    if (answer.status !== 200) throw this.oauthFailure(answer, 'starting the sign-in');
    const body = answer.json as Partial<DeviceAuthorization>;
    if (typeof body.device_code !== 'string' || typeof body.user_code !== 'string') {
      throw this.unexpected('POST /oauth/device_authorization', answer);
    }
    return body as DeviceAuthorization;
  }

  async pollDeviceToken(deviceCode: string, clientId: string): Promise<DeviceTokenPoll> {
    const answer = await this.request('POST', '/oauth/token', {
      form: { grant_type: DEVICE_CODE_GRANT, device_code: deviceCode, client_id: clientId },
    });
    if (answer.status === 200) return { kind: 'issued', tokens: this.tokenSet(answer) };
    const error = (answer.json as { error?: unknown } | null)?.error;
    if (typeof error === 'string' && POLL_ANSWERS.has(error)) {
      return { kind: error as Exclude<DeviceTokenPoll['kind'], 'issued'> };
    }
    throw this.oauthFailure(answer, 'waiting for the sign-in');
  }

  async refresh(refreshToken: string): Promise<TokenSet> {
    const answer = await this.request('POST', '/oauth/token', {
      form: { grant_type: 'refresh_token', refresh_token: refreshToken },
    });
    if (answer.status === 200) return this.tokenSet(answer);
    const body = answer.json as { error?: unknown; error_description?: unknown } | null;
    if (body?.error === 'invalid_grant') {
      throw new LatchkeyError(
        'unauthenticated',
        typeof body.error_description === 'string' ? body.error_description : 'the refresh token was refused',
      );
    }
    throw this.oauthFailure(answer, 'refreshing the sign-in');
  }

  async revoke(token: string): Promise<void> {
    const answer = await this.request('POST', '/oauth/revoke', { form: { token } });
    if (answer.status !== 200) throw this.oauthFailure(answer, 'signing out');
  }

  me(accessToken: string): Promise<Me> {
    return this.api<Me>('GET', '/v1/me', accessToken);
  }

  myTargets(accessToken: string): Promise<MeTarget[]> {
    return this.api<MeTarget[]>('GET', '/v1/me/targets', accessToken);
  }

  issueCertificate(accessToken: string, request: CertificateRequest): Promise<IssuedCertificate> {
    return this.api<IssuedCertificate>('POST', '/v1/me/certificates', accessToken, request);
  }

  private async api<T>(method: string, path: string, accessToken: string, body?: unknown): Promise<T> {
    const answer = await this.request(method, path, {
      accessToken,
      ...(body === undefined ? {} : { json: body }),
    });
    const envelope = answer.json as {
      success?: boolean;
      result?: unknown;
      errors?: { message?: string }[];
    } | null;
    if (answer.status >= 200 && answer.status < 300 && envelope?.success === true)
      return envelope.result as T;
    const message = envelope?.errors
      ?.map((error) => error.message)
      .filter(Boolean)
      .join('; ');
    const code: ErrorCode =
      answer.status === 401
        ? 'unauthenticated'
        : answer.status === 403
          ? 'permission_denied'
          : answer.status === 404
            ? 'not_found'
            : answer.status === 400 || answer.status === 422
              ? 'invalid_argument'
              : 'unavailable';
    throw new LatchkeyError(
      code,
      message !== undefined && message !== ''
        ? message
        : `${method} ${this.url}${path} answered HTTP ${answer.status}`,
    );
  }

  private async request(
    method: string,
    path: string,
    options: { form?: Record<string, string>; json?: unknown; accessToken?: string },
  ): Promise<HttpAnswer> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.options.userAgent !== undefined) headers['user-agent'] = this.options.userAgent;
    if (options.accessToken !== undefined) headers.authorization = `Bearer ${options.accessToken}`;
    let body: string | undefined;
    if (options.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(options.form).toString();
    } else if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    }
    let answer: { status: number; text: string };
    try {
      answer = await httpRequest(
        `${this.url}${path}`,
        method,
        headers,
        body,
        this.options.timeoutMs ?? 20_000,
      );
    } catch (error) {
      const why = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new LatchkeyError('unavailable', `cannot reach the access server at ${this.url} (${why})`, {
        cause: error,
      });
    }
    let json: unknown = null;
    try {
      json = answer.text === '' ? null : JSON.parse(answer.text);
    } catch {
      json = null;
    }
    return { status: answer.status, json };
  }

  private tokenSet(answer: HttpAnswer): TokenSet {
    const body = answer.json as Partial<TokenSet> | null;
    if (
      typeof body?.access_token !== 'string' ||
      typeof body.refresh_token !== 'string' ||
      typeof body.expires_in !== 'number'
    ) {
      throw this.unexpected('POST /oauth/token', answer);
    }
    return body as TokenSet;
  }

  private oauthFailure(answer: HttpAnswer, doing: string): LatchkeyError {
    const body = answer.json as { error?: unknown; error_description?: unknown } | null;
    const detail =
      typeof body?.error_description === 'string'
        ? body.error_description
        : typeof body?.error === 'string'
          ? body.error
          : `HTTP ${answer.status}`;
    const code: ErrorCode =
      answer.status >= 500 || answer.status === 404 ? 'unavailable' : 'invalid_argument';
    return new LatchkeyError(code, `${this.url} refused ${doing}: ${detail}`);
  }

  private unexpected(what: string, answer: HttpAnswer): LatchkeyError {
    return new LatchkeyError(
      'unavailable',
      `${what} at ${this.url} answered HTTP ${answer.status} with something that is not the expected JSON; is it a Latchkey access server?`,
    );
  }
}

/** One request, the whole answer as text. Rejects on network errors and after `timeoutMs`. */
function httpRequest(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
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
