/**
 * The AccessServer port over fetch. `/oauth/*` speaks OAuth 2.0 (form bodies, `{error,
 * error_description}` failures); `/v1/me*` answers in Cloudflare's envelope. Every failure becomes a
 * LatchkeyError whose message says what happened in the person's terms.
 */
import { LatchkeyError } from '@latchkey/shared';
import type { ErrorCode } from '@latchkey/shared';
import type { AccessServer, CertificateRequest } from '../../app/ports/access-server.js';
import type {
  DeviceAuthorization,
  DeviceTokenPoll,
  IssuedCertificateResult,
  Me,
  MyTarget,
  TokenSet,
} from '../../domain/access-api.js';

const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const POLL_ANSWERS = new Set(['authorization_pending', 'slow_down', 'access_denied', 'expired_token']);
const TIMEOUT_MS = 30_000;

interface HttpAnswer {
  status: number;
  json: unknown;
}

export class FetchAccessServer implements AccessServer {
  constructor(readonly url: string) {}

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

  myTargets(accessToken: string): Promise<MyTarget[]> {
    return this.api<MyTarget[]>('GET', '/v1/me/targets', accessToken);
  }

  issueCertificate(accessToken: string, request: CertificateRequest): Promise<IssuedCertificateResult> {
    return this.api<IssuedCertificateResult>('POST', '/v1/me/certificates', accessToken, request);
  }

  private async api<T>(
    method: 'GET' | 'POST',
    path: string,
    accessToken: string,
    body?: unknown,
  ): Promise<T> {
    const answer = await this.request(method, path, {
      accessToken,
      ...(body === undefined ? {} : { json: body }),
    });
    const envelope = answer.json as {
      success?: boolean;
      result?: unknown;
      errors?: Array<{ message?: string }>;
    } | null;
    if (answer.status === 200 && envelope?.success === true) return envelope.result as T;
    const message = envelope?.errors?.[0]?.message ?? `HTTP ${answer.status}`;
    if (answer.status === 401) {
      throw new LatchkeyError(
        'unauthenticated',
        `the Latchkey server did not accept the sign-in: ${message}`,
      );
    }
    if (answer.status === 403) throw new LatchkeyError('access_denied', message);
    if (answer.status >= 500) {
      throw new LatchkeyError('unavailable', `the Latchkey server failed (${method} ${path}): ${message}`);
    }
    throw new LatchkeyError('invalid_argument', `${method} ${path} was refused: ${message}`);
  }

  private tokenSet(answer: HttpAnswer): TokenSet {
    const body = answer.json as Partial<TokenSet> | null;
    if (typeof body?.access_token !== 'string' || typeof body.refresh_token !== 'string') {
      throw this.unexpected('POST /oauth/token', answer);
    }
    return { expires_in: 600, token_type: 'Bearer', ...body } as TokenSet;
  }

  private oauthFailure(answer: HttpAnswer, doing: string): LatchkeyError {
    const body = answer.json as { error?: unknown; error_description?: unknown } | null;
    const what = [body?.error, body?.error_description].filter((s) => typeof s === 'string').join(': ');
    const code: ErrorCode = answer.status >= 500 ? 'unavailable' : 'invalid_argument';
    return new LatchkeyError(
      code,
      `${doing} failed (HTTP ${answer.status}${what === '' ? '' : `, ${what}`})`,
    );
  }

  private unexpected(what: string, answer: HttpAnswer): LatchkeyError {
    return new LatchkeyError('unavailable', `${what} answered something unexpected (HTTP ${answer.status})`);
  }

  private async request(
    method: 'GET' | 'POST',
    path: string,
    options: { form?: Record<string, string>; json?: unknown; accessToken?: string },
  ): Promise<HttpAnswer> {
    const headers: Record<string, string> = { accept: 'application/json' };
    let body: string | undefined;
    if (options.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(options.form).toString();
    } else if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    }
    if (options.accessToken !== undefined) headers.authorization = `Bearer ${options.accessToken}`;
    let response: Response;
    try {
      response = await fetch(`${this.url}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new LatchkeyError(
        'unavailable',
        `cannot reach the Latchkey server at ${this.url} (${cause?.code ?? cause?.message ?? (error as Error).message}); check "latchkey.serverUrl"`,
        { cause: error },
      );
    }
    const text = await response.text();
    let json: unknown = null;
    try {
      json = text === '' ? null : JSON.parse(text);
    } catch {
      json = null;
    }
    return { status: response.status, json };
  }
}
