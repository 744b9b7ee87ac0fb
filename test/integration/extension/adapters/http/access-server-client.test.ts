import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { text } from 'node:stream/consumers';
import { isLatchkeyError } from '@latchkey/shared';
import { FetchAccessServer } from '../../../../../extension/src/adapters/http/access-server-client.js';
import { findFreePort } from '../../../../harness/index.js';

// The fetch transport only: what the requests and answers mean is tested in
// test/shared/api/access-server-protocol.test.ts.
describe('FetchAccessServer (the extension side of docs/sign-in.md)', () => {
  let server: Server;
  let handler: (request: IncomingMessage & { body: string }, response: ServerResponse) => void;
  let url: string;

  before(async () => {
    server = createServer((request, response) => {
      void text(request).then((body) => handler(Object.assign(request, { body }), response));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('sends method, path, headers and body, and reads the answer', async () => {
    const seen: string[] = [];
    handler = (request, response) => {
      seen.push(
        `${request.method} ${request.url} ${request.headers['content-type']} ${request.headers.authorization} ${request.headers['user-agent']} ${request.body}`,
      );
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ success: true, errors: [], messages: [], result: { certificate: 'c' } }));
    };
    const client = new FetchAccessServer(url, { userAgent: 'latchkey-vscode/test' });
    const issued = await client.issueCertificate('tok', { target_id: 't', username: 'u', public_key: 'k' });
    assert.deepEqual(issued, { certificate: 'c' });
    assert.deepEqual(seen, [
      'POST /v1/me/certificates application/json Bearer tok latchkey-vscode/test {"target_id":"t","username":"u","public_key":"k"}',
    ]);
  });

  it('a 403 is "permission_denied" in the server’s words', async () => {
    handler = (_request, response) => {
      response.writeHead(403, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          success: false,
          errors: [{ code: 1000, message: 'you may not log in to web-1 as root' }],
        }),
      );
    };
    await assert.rejects(
      new FetchAccessServer(url).issueCertificate('tok', {
        target_id: 't',
        username: 'root',
        public_key: 'k',
      }),
      (e) => isLatchkeyError(e, 'permission_denied') && e.message === 'you may not log in to web-1 as root',
    );
  });

  it('says it cannot reach a server that is not there, and which setting to check', async () => {
    const port = await findFreePort('127.0.0.1');
    await assert.rejects(
      new FetchAccessServer(`http://127.0.0.1:${port}`).me('tok'),
      (e) =>
        isLatchkeyError(e, 'unavailable') &&
        e.message ===
          `cannot reach the access server at http://127.0.0.1:${port} (ECONNREFUSED); check "latchkey.serverUrl"`,
    );
  });

  it('gives up after the timeout', async () => {
    handler = () => undefined;
    await assert.rejects(
      new FetchAccessServer(url, { timeoutMs: 100 }).me('tok'),
      (e) =>
        isLatchkeyError(e, 'unavailable') &&
        /^cannot reach the access server at .* \(.+\); check/.test(e.message),
    );
  });
});
