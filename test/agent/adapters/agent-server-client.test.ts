// The session-log calls of the agent's HTTP client against a real loopback HTTP server: the request as
// the server's contract wants it (shared/src/api/ssh-logs.ts), and the answers mapped to the codes the
// uploader acts on (5xx and unreachable: unavailable, retried; 409: conflict, held).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { isLatchkeyError, type SshLogUploadMetadata } from '@latchkey/shared';
import { AgentServerClient } from '../../../agent/src/adapters/http/agent-server-client.js';

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

  it('PUTs the log as octet-stream with its digest and the base64url metadata header, with the bearer token', async () => {
    const bytes = Buffer.from('header and sealed chunks \u0000\u00ff');
    await client().uploadLog('s-1.20261124T120000Z.00ff', bytes, METADATA);
    const [request] = seen;
    assert.equal(request!.method, 'PUT');
    assert.equal(request!.url, '/v1/agents/ssh_logs/s-1.20261124T120000Z.00ff');
    assert.equal(request!.headers['content-type'], 'application/octet-stream');
    assert.equal(request!.headers.authorization, 'Bearer lk_agent_token');
    assert.deepEqual(request!.body, bytes);
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
    await assert.rejects(client().uploadLog('x', Buffer.from('a'), METADATA), (error) =>
      isLatchkeyError(error, 'conflict'),
    );
    answer = { status: 503, body: 'busy' };
    await assert.rejects(client().uploadLog('x', Buffer.from('a'), METADATA), (error) =>
      isLatchkeyError(error, 'unavailable'),
    );
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await assert.rejects(client().uploadLog('x', Buffer.from('a'), METADATA), (error) =>
      isLatchkeyError(error, 'unavailable'),
    );
    server.listen(0, '127.0.0.1'); // for afterEach
  });

  it('reads the recording settings; an answer without the key is an error, never "recording off"', async () => {
    answer = { status: 200, body: { success: true, result: { auditor_public_key: 'AAAA' } } };
    assert.deepEqual(await client().getRecordingSettings(), { auditor_public_key: 'AAAA' });
    assert.equal(seen[0]!.url, '/v1/agents/recording');
    answer = { status: 200, body: { success: true, result: {} } };
    await assert.rejects(client().getRecordingSettings(), /without auditor_public_key/);
  });
});
