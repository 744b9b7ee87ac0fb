// The session-log calls of the agent's HTTP client against a real loopback HTTP server: the request as
// the server's contract wants it (shared/src/api/ssh-logs.ts), and the answers mapped to the codes the
// uploader acts on (5xx and unreachable: unavailable, retried; 409: conflict, held).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { isLatchkeyError, type SshLogUploadMetadata } from '@latchkey/shared';
import { AgentServerClient } from '../../../../agent/src/adapters/http/agent-server-client.js';
import type { LogUploadBody } from '../../../../agent/src/app/ports/agent-server.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

const METADATA: SshLogUploadMetadata = {
  session_id: 's-1',
  user_email: 'alice@example.com',
  username: 'alice',
  target_id: 't-1',
  pty: true,
  program_type: 'shell',
  session_start_datetime: '2026-11-24T12:00:00.000Z',
  status: 'complete',
};

describe('agent/adapters: AgentServerClient session-log calls over real HTTP', () => {
  let server: Server;
  let base: string;
  let seen: Seen[];
  let answer: { status: number; body: unknown };

  beforeEach(async () => {
    seen = [];
    answer = { status: 200, body: { success: true, errors: [], messages: [], result: {} } };
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        seen.push({
          method: request.method!,
          url: request.url!,
          headers: request.headers,
          body: Buffer.concat(chunks),
        });
        response.writeHead(answer.status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterEach(async () => new Promise<void>((resolve) => server.close(() => resolve())));

  const client = () => new AgentServerClient(base, () => 'lk_agent_token');
  /** A body read from memory in small pieces, as the spool gives one from disk. */
  const body = (bytes: Uint8Array, pieceBytes = 7): LogUploadBody => ({
    size: bytes.length,
    async *read() {
      for (let offset = 0; offset < bytes.length; offset += pieceBytes) {
        yield bytes.subarray(offset, offset + pieceBytes);
      }
    },
  });

  it('PUTs the log as octet-stream with its digest and the base64url metadata header, with the bearer token', async () => {
    const bytes = Buffer.from('header and sealed chunks \u0000\u00ff');
    await client().uploadLog('s-1.20261124T120000Z.00ff', body(bytes), METADATA);
    const [request] = seen;
    assert.equal(request!.method, 'PUT');
    assert.equal(request!.url, '/v1/agents/ssh_logs/s-1.20261124T120000Z.00ff');
    assert.equal(request!.headers['content-type'], 'application/octet-stream');
    assert.equal(request!.headers.authorization, 'Bearer lk_agent_token');
    assert.deepEqual(request!.body, bytes);
    assert.equal(request!.headers['content-length'], String(bytes.length));
    assert.equal(
      request!.headers['content-digest'],
      `sha-256=:${createHash('sha256').update(bytes).digest('base64')}:`,
    );
    const header = String(request!.headers['latchkey-log-metadata']);
    assert.match(header, /^[A-Za-z0-9_-]+$/, 'base64url');
    assert.deepEqual(JSON.parse(Buffer.from(header, 'base64url').toString('utf8')), METADATA);
  });

  it('maps 409 to conflict, 5xx and an unreachable server to unavailable', async () => {
    answer = {
      status: 409,
      body: {
        success: false,
        errors: [{ code: 1001, message: 'a different log', latchkey_code: 'conflict' }],
      },
    };
    await assert.rejects(client().uploadLog('x', body(Buffer.from('a')), METADATA), (error) =>
      isLatchkeyError(error, 'conflict'),
    );
    answer = { status: 503, body: 'busy' };
    await assert.rejects(client().uploadLog('x', body(Buffer.from('a')), METADATA), (error) =>
      isLatchkeyError(error, 'unavailable'),
    );
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await assert.rejects(client().uploadLog('x', body(Buffer.from('a')), METADATA), (error) =>
      isLatchkeyError(error, 'unavailable'),
    );
    server.listen(0, '127.0.0.1'); // for afterEach
  });

  it('streams the body in the pieces it is read in, reading it twice (digest, then send), never joined', async () => {
    const bytes = Buffer.alloc(3 * 1024 * 1024 + 5, 0x5a);
    let reads = 0;
    let largest = 0;
    await client().uploadLog(
      'big',
      {
        size: bytes.length,
        async *read() {
          reads += 1;
          for (let offset = 0; offset < bytes.length; offset += 64 * 1024) {
            const piece = bytes.subarray(offset, offset + 64 * 1024);
            largest = Math.max(largest, piece.length);
            yield piece;
          }
        },
      },
      METADATA,
    );
    assert.equal(reads, 2);
    assert.equal(largest, 64 * 1024);
    assert.ok(seen[0]!.body.equals(bytes));
    assert.equal(
      seen[0]!.headers['content-digest'],
      `sha-256=:${createHash('sha256').update(bytes).digest('base64')}:`,
    );
  });

  it('a body that fails while being sent fails the upload with its own error, not "unavailable"', async () => {
    let reads = 0;
    const gone = Object.assign(new Error('ENOENT: the spool file is gone'), { code: 'ENOENT' });
    await assert.rejects(
      client().uploadLog(
        'vanishing',
        {
          size: 10,
          async *read() {
            reads += 1;
            yield Buffer.alloc(5);
            if (reads === 2) throw gone;
            yield Buffer.alloc(5);
          },
        },
        METADATA,
      ),
      (error) => error === gone,
    );
  });

  it('a refusal answered before the body is taken stops the sending (413 payload_too_large)', async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server = createServer((_request, response) => {
      response.writeHead(413, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          success: false,
          errors: [{ code: 1001, message: 'at most 1 MiB', latchkey_code: 'payload_too_large' }],
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const size = 256 * 1024 * 1024;
    let sentPieces = 0;
    let reads = 0;
    const piece = Buffer.alloc(1024 * 1024);
    await assert.rejects(
      client().uploadLog(
        'too-big',
        {
          size,
          async *read() {
            reads += 1;
            for (let i = 0; i < size / piece.length; i++) {
              if (reads === 2) sentPieces += 1;
              yield piece;
            }
          },
        },
        METADATA,
      ),
      (error) => isLatchkeyError(error, 'payload_too_large'),
    );
    assert.ok(sentPieces < 256, `the send stopped early (${sentPieces} of 256 MiB read)`);
  });

  it('reads the recording settings; an answer without the key is an error, never "recording off"', async () => {
    answer = { status: 200, body: { success: true, result: { auditor_public_key: 'AAAA' } } };
    assert.deepEqual(await client().getRecordingSettings(), { auditor_public_key: 'AAAA' });
    assert.equal(seen[0]!.url, '/v1/agents/recording');
    answer = { status: 200, body: { success: true, result: {} } };
    await assert.rejects(client().getRecordingSettings(), /without auditor_public_key/);
  });
});
