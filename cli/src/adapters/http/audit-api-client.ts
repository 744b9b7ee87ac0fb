/**
 * The auditor's side of the access server's API, with an API token (permission Access: SSH Auditing:
 * Read): `GET /client/v4/accounts`, `GET …/accounts/{id}/ssh_logs[/{log_id}[/file]]` (shared/src/api/
 * ssh-logs.ts). Answers come in Cloudflare's envelope; failures become LatchkeyErrors in the person's
 * terms (401 unauthenticated, 403 permission_denied with the server's words, 404 not_found, 5xx or no
 * answer unavailable). The file download streams to disk, hashing as it goes, and checks the
 * Content-Digest (RFC 9530, sha-256) before the file is kept.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, rename, unlink } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { randomBytes } from 'node:crypto';
import { LatchkeyError, type Account, type ErrorCode, type SshLog } from '@latchkey/shared';
import type { AuditApi, LogListPage, LogListQuery } from '../../app/logs/ports.js';

export class HttpAuditApi implements AuditApi {
  constructor(
    readonly url: string,
    private readonly token: string,
    private readonly options: { userAgent?: string; timeoutMs?: number } = {},
  ) {}

  async accounts(): Promise<Account[]> {
    return (await this.json<Account[]>('/client/v4/accounts')).result;
  }

  async listLogs(accountId: string, query: LogListQuery): Promise<LogListPage> {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) search.set(key, String(value));
    }
    const answer = await this.json<SshLog[]>(
      `/client/v4/accounts/${encodeURIComponent(accountId)}/ssh_logs?${search.toString()}`,
    );
    const info = answer.result_info as { total_pages?: number; total_count?: number } | undefined;
    return {
      logs: answer.result,
      ...(info?.total_pages === undefined ? {} : { totalPages: info.total_pages }),
      ...(info?.total_count === undefined ? {} : { totalCount: info.total_count }),
    };
  }

  async getLog(accountId: string, logId: string): Promise<SshLog> {
    return (await this.json<SshLog>(this.logPath(accountId, logId))).result;
  }

  async downloadLog(
    accountId: string,
    logId: string,
    destination: string,
    expectedSha256: string | undefined,
    onProgress: (received: number, total: number | undefined) => void,
  ): Promise<{ bytes: number; sha256: string }> {
    const path = `${this.logPath(accountId, logId)}/file`;
    const response = await this.send(path, 'application/octet-stream');
    if (response.statusCode !== 200) {
      const text = await readAll(response);
      throw this.failure(path, response.statusCode ?? 0, parseJson(text));
    }
    const digestHeader = response.headers['content-digest'];
    const expected = /sha-256=:([A-Za-z0-9+/=]+):/.exec(String(digestHeader ?? ''))?.[1];
    if (expected === undefined) {
      response.resume();
      throw new LatchkeyError(
        'unavailable',
        `${this.url} sent the log without a sha-256 Content-Digest; cannot check it arrived whole`,
      );
    }
    const lengthHeader = Number(response.headers['content-length']);
    const total = Number.isFinite(lengthHeader) ? lengthHeader : undefined;
    const temporary = `${destination}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const hash = createHash('sha256');
    let bytes = 0;
    try {
      await new Promise<void>((resolve, reject) => {
        const out = createWriteStream(temporary, { flags: 'wx', mode: 0o600 });
        out.on('error', reject);
        response.on('error', reject);
        response.on('aborted', () => reject(new Error('the connection closed mid-download')));
        response.on('data', (chunk: Buffer) => {
          hash.update(chunk);
          bytes += chunk.length;
          onProgress(bytes, total);
          if (!out.write(chunk)) {
            response.pause();
            out.once('drain', () => response.resume());
          }
        });
        response.on('end', () => out.end(() => resolve()));
      });
      const digest = hash.digest();
      if (digest.toString('base64') !== expected) {
        throw new LatchkeyError(
          'unavailable',
          `the downloaded log does not match its Content-Digest (got ${bytes} bytes); nothing was written, try again`,
        );
      }
      if (expectedSha256 !== undefined && digest.toString('hex') !== expectedSha256) {
        throw new LatchkeyError(
          'unavailable',
          `the downloaded log's sha256 is not the one the server lists for ${logId}; nothing was written, try again`,
        );
      }
      await chmod(temporary, 0o600);
      await rename(temporary, destination);
      return { bytes, sha256: digest.toString('hex') };
    } catch (error) {
      await unlink(temporary).catch(() => {});
      if (error instanceof LatchkeyError) throw error;
      throw new LatchkeyError('unavailable', `downloading ${logId} failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  private logPath(accountId: string, logId: string): string {
    return `/client/v4/accounts/${encodeURIComponent(accountId)}/ssh_logs/${encodeURIComponent(logId)}`;
  }

  private async json<T>(path: string): Promise<{ result: T; result_info?: unknown }> {
    const response = await this.send(path, 'application/json');
    const body = parseJson(await readAll(response)) as {
      success?: boolean;
      result?: T;
      result_info?: unknown;
    } | null;
    const status = response.statusCode ?? 0;
    if (status >= 200 && status < 300 && body?.success === true) {
      return { result: body.result as T, result_info: body.result_info };
    }
    throw this.failure(path, status, body);
  }

  private send(path: string, accept: string): Promise<IncomingMessage> {
    const headers: Record<string, string> = { accept, authorization: `Bearer ${this.token}` };
    if (this.options.userAgent !== undefined) headers['user-agent'] = this.options.userAgent;
    const url = `${this.url}${path}`;
    const send = url.startsWith('https:') ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const request = send(url, { headers, timeout: this.options.timeoutMs ?? 30_000 }, resolve);
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
      request.end();
    });
  }

  private failure(path: string, status: number, body: unknown): LatchkeyError {
    const errors = (body as { errors?: { message?: string }[] } | null)?.errors;
    const message = errors
      ?.map((error) => error.message)
      .filter(Boolean)
      .join('; ');
    const code: ErrorCode =
      status === 401
        ? 'unauthenticated'
        : status === 403
          ? 'permission_denied'
          : status === 404
            ? 'not_found'
            : status === 400 || status === 422
              ? 'invalid_argument'
              : 'unavailable';
    const said = message !== undefined && message !== '' ? message : `HTTP ${status}`;
    const hint =
      status === 401
        ? ' (is the API token right, and not expired?)'
        : status === 403 && !said.includes('SSH Auditing')
          ? ' (the API token needs the permission "Access: SSH Auditing: Read")'
          : '';
    return new LatchkeyError(code, `${this.url} refused GET ${path.split('?')[0]}: ${said}${hint}`);
  }
}

function readAll(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('error', reject);
    response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function parseJson(text: string): unknown {
  try {
    return text === '' ? null : JSON.parse(text);
  } catch {
    return null;
  }
}
