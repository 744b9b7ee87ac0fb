/**
 * The auditor's side of the access server's API, with an API token (permission Access: SSH Auditing:
 * Read): `GET /client/v4/accounts`, `GET …/accounts/{id}/ssh_logs[/{log_id}[/file]]` (shared/src/api/
 * ssh-logs.ts). Requests, the envelope and the refusals are api-token-http.ts's. The file download
 * streams to disk, hashing as it goes, and checks the Content-Digest (RFC 9530, sha-256) before the file
 * is kept.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, rename, unlink } from 'node:fs/promises';
import { LatchkeyError, type Account, type SshLog } from '@latchkey/shared';
import type { AuditApi, LogListPage, LogListQuery } from '../../app/logs/ports.js';
import { ApiTokenHttp, parseJson, readAll, searchOf } from './api-token-http.js';

const PERMISSION = 'Access: SSH Auditing: Read';

export class HttpAuditApi extends ApiTokenHttp implements AuditApi {
  async accounts(): Promise<Account[]> {
    return (await this.get<Account[]>('/client/v4/accounts')).result;
  }

  async listLogs(accountId: string, query: LogListQuery): Promise<LogListPage> {
    const answer = await this.get<SshLog[]>(
      `/client/v4/accounts/${encodeURIComponent(accountId)}/ssh_logs${searchOf({ ...query })}`,
    );
    const info = answer.resultInfo as { total_pages?: number; total_count?: number } | undefined;
    return {
      logs: answer.result,
      ...(info?.total_pages === undefined ? {} : { totalPages: info.total_pages }),
      ...(info?.total_count === undefined ? {} : { totalCount: info.total_count }),
    };
  }

  async getLog(accountId: string, logId: string): Promise<SshLog> {
    return (await this.get<SshLog>(this.logPath(accountId, logId))).result;
  }

  async downloadLog(
    accountId: string,
    logId: string,
    destination: string,
    expectedSha256: string | undefined,
    onProgress: (received: number, total: number | undefined) => void,
  ): Promise<{ bytes: number; sha256: string }> {
    const path = `${this.logPath(accountId, logId)}/file`;
    const response = await this.send('GET', path, 'application/octet-stream');
    if (response.statusCode !== 200) {
      const text = await readAll(response);
      throw this.refusal('GET', path, response.statusCode ?? 0, parseJson(text), PERMISSION);
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

  private get<T>(path: string): Promise<{ result: T; resultInfo?: unknown }> {
    return this.json<T>('GET', path, PERMISSION);
  }
}
