import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isLatchkeyError } from '@latchkey/shared';
import { HttpAccessServer } from '../../../../../cli/src/adapters/http/access-server-client.js';
import { findFreePort } from '../../../../harness/index.js';

type Handler = (request: IncomingMessage & { body: string }, response: ServerResponse) => void;

describe('HttpAccessServer (the CLI side of docs/sign-in.md)', () => {
  let server: Server;
  let handler: Handler;
  let client: HttpAccessServer;

  before(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => handler(Object.assign(request, { body }), response));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = new HttpAccessServer(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const json = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  };

  it('posts the device authorization and token polls as forms', async () => {
    const seen: string[] = [];
    handler = (request, response) => {
      seen.push(`${request.method} ${request.url} ${request.headers['content-type']} ${request.body}`);
      if (request.url === '/oauth/device_authorization') {
        json(response, 200, {
          device_code: 'd',
          user_code: 'ABCD-EFGH',
          verification_uri: 'v',
          expires_in: 600,
          interval: 2,
        });
      } else {
        json(response, 400, { error: 'slow_down' });
      }
    };
    assert.equal((await client.startDeviceAuthorization('latchkey-cli')).user_code, 'ABCD-EFGH');
    assert.deepEqual(await client.pollDeviceToken('d', 'latchkey-cli'), { kind: 'slow_down' });
    assert.deepEqual(seen, [
      'POST /oauth/device_authorization application/x-www-form-urlencoded client_id=latchkey-cli',
      'POST /oauth/token application/x-www-form-urlencoded grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=d&client_id=latchkey-cli',
    ]);
  });

  it('reads each poll answer of RFC 8628 and the tokens', async () => {
    for (const error of ['authorization_pending', 'access_denied', 'expired_token'] as const) {
      handler = (_request, response) => json(response, 400, { error });
      assert.deepEqual(await client.pollDeviceToken('d', 'c'), { kind: error });
    }
    const tokens = { access_token: 'a', token_type: 'Bearer', expires_in: 600, refresh_token: 'r' };
    handler = (_request, response) => json(response, 200, tokens);
    assert.deepEqual(await client.pollDeviceToken('d', 'c'), { kind: 'issued', tokens });
    handler = (_request, response) =>
      json(response, 400, { error: 'invalid_client', error_description: 'unknown client' });
    await assert.rejects(
      client.pollDeviceToken('d', 'c'),
      (e) => isLatchkeyError(e) && /unknown client/.test(e.message),
    );
  });

  it('turns invalid_grant on refresh into "unauthenticated" with the server’s description', async () => {
    handler = (request, response) => {
      assert.equal(request.body, 'grant_type=refresh_token&refresh_token=r1');
      json(response, 400, {
        error: 'invalid_grant',
        error_description: 'the refresh token was already used',
      });
    };
    await assert.rejects(
      client.refresh('r1'),
      (e) => isLatchkeyError(e, 'unauthenticated') && e.message === 'the refresh token was already used',
    );
  });

  it('sends the bearer token and unwraps the envelope; maps 401, 403 (with the server’s words) and 5xx', async () => {
    handler = (request, response) => {
      assert.equal(request.headers.authorization, 'Bearer tok');
      json(response, 200, {
        success: true,
        errors: [],
        messages: [],
        result: [{ id: 't', hostname: 'web-1' }],
      });
    };
    assert.deepEqual(await client.myTargets('tok'), [{ id: 't', hostname: 'web-1' }]);
    const failure = (status: number, message: string) => (_request: unknown, response: ServerResponse) =>
      json(response, status, {
        success: false,
        errors: [{ code: 1000, message }],
        messages: [],
        result: null,
      });
    handler = failure(401, 'invalid token');
    await assert.rejects(client.me('tok'), (e) => isLatchkeyError(e, 'unauthenticated'));
    handler = failure(403, 'you may not log in to web-1 as root');
    await assert.rejects(
      client.issueCertificate('tok', { target_id: 't', username: 'root', public_key: 'k' }),
      (e) => isLatchkeyError(e, 'permission_denied') && e.message === 'you may not log in to web-1 as root',
    );
    handler = (_request, response) => {
      response.writeHead(502);
      response.end('bad gateway');
    };
    await assert.rejects(
      client.me('tok'),
      (e) => isLatchkeyError(e, 'unavailable') && /HTTP 502/.test(e.message),
    );
  });

  it('says it cannot reach a server that is not there', async () => {
    const port = await findFreePort('127.0.0.1');
    await assert.rejects(
      new HttpAccessServer(`http://127.0.0.1:${port}`).me('tok'),
      (e) =>
        isLatchkeyError(e, 'unavailable') &&
        e.message === `cannot reach the access server at http://127.0.0.1:${port} (ECONNREFUSED)`,
    );
  });

  it('revokes with a form and accepts 200', async () => {
    handler = (request, response) => {
      assert.equal(`${request.url} ${request.body}`, '/oauth/revoke token=r');
      json(response, 200, {});
    };
    await client.revoke('r');
  });
});
