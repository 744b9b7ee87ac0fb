import assert from 'node:assert/strict';
import {
  ACCESS_SERVER_TIMEOUT_MS,
  AccessServerClient,
  isLatchkeyError,
  type AccessServerAnswer,
  type AccessServerRequest,
  type ErrorCode,
} from '@latchkey/shared';

const URL = 'https://latchkey.example';

/** A body as the server would send it: JSON text, nothing for null. */
const text = ({ status, json }: AccessServerAnswer) => ({
  status,
  text: json === null ? '' : JSON.stringify(json),
});

/** A client whose transport records each request and answers with the next of `answers`. */
function clientAnswering(...answers: AccessServerAnswer[]) {
  const sent: AccessServerRequest[] = [];
  const client = new AccessServerClient(
    URL,
    (url, request, timeoutMs) => {
      assert.equal(url, `${URL}${request.path}`);
      assert.equal(timeoutMs, ACCESS_SERVER_TIMEOUT_MS);
      sent.push(request);
      const answer = answers.shift();
      if (answer === undefined) throw new Error(`no answer left for ${request.method} ${request.path}`);
      return Promise.resolve(text(answer));
    },
    { userAgent: 'latchkey/test' },
  );
  return { client, sent };
}

const envelope = (result: unknown) => ({ success: true, errors: [], messages: [], result });
const failure = (...messages: string[]) => ({
  success: false,
  errors: messages.map((message) => ({ code: 1000, message })),
  messages: [],
  result: null,
});
const tokens = { access_token: 'a', token_type: 'Bearer', expires_in: 600, refresh_token: 'r' };

async function rejection(promise: Promise<unknown>): Promise<{ code: ErrorCode; message: string }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isLatchkeyError(error), String(error));
    return { code: error.code, message: error.message };
  }
  assert.fail('expected a rejection');
}

describe('shared/api access-server-protocol (the client side of docs/sign-in.md)', () => {
  describe('requests', () => {
    const form = {
      accept: 'application/json',
      'content-type': 'application/x-www-form-urlencoded',
      'user-agent': 'latchkey/test',
    };

    it('posts the OAuth requests as forms', async () => {
      const { client, sent } = clientAnswering(
        {
          status: 200,
          json: { device_code: 'd', user_code: 'ABCD-EFGH', verification_uri: 'v', expires_in: 600 },
        },
        { status: 400, json: { error: 'authorization_pending' } },
        { status: 200, json: tokens },
        { status: 200, json: {} },
      );
      await client.startDeviceAuthorization('latchkey-cli');
      await client.pollDeviceToken('d c', 'latchkey-cli');
      await client.refresh('r1');
      await client.revoke('r2');
      assert.deepEqual(sent, [
        {
          method: 'POST',
          path: '/oauth/device_authorization',
          headers: form,
          body: 'client_id=latchkey-cli',
        },
        {
          method: 'POST',
          path: '/oauth/token',
          headers: form,
          body: 'grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=d+c&client_id=latchkey-cli',
        },
        {
          method: 'POST',
          path: '/oauth/token',
          headers: form,
          body: 'grant_type=refresh_token&refresh_token=r1',
        },
        { method: 'POST', path: '/oauth/revoke', headers: form, body: 'token=r2' },
      ]);
    });

    it('sends the bearer token to /v1/me*, and the certificate request as JSON', async () => {
      const { client, sent } = clientAnswering(
        { status: 200, json: envelope({ email: 'a@example.com' }) },
        { status: 200, json: envelope([]) },
        { status: 200, json: envelope({ certificate: 'c' }) },
      );
      await client.me('tok');
      await client.myTargets('tok');
      const request = {
        target_id: 't',
        username: 'alice',
        public_key: 'ssh-ed25519 AAAA',
        valid_seconds: 60,
      };
      await client.issueCertificate('tok', request);
      const bearer = {
        accept: 'application/json',
        authorization: 'Bearer tok',
        'user-agent': 'latchkey/test',
      };
      assert.deepEqual(sent, [
        { method: 'GET', path: '/v1/me', headers: bearer },
        { method: 'GET', path: '/v1/me/targets', headers: bearer },
        {
          method: 'POST',
          path: '/v1/me/certificates',
          headers: { ...bearer, 'content-type': 'application/json' },
          body: JSON.stringify(request),
        },
      ]);
    });

    it('sends no user-agent unless the transport gives one', async () => {
      const sent: AccessServerRequest[] = [];
      const client = new AccessServerClient(URL, (_url, request) => {
        sent.push(request);
        return Promise.resolve(text({ status: 200, json: envelope([]) }));
      });
      await client.myTargets('tok');
      assert.deepEqual(sent[0]!.headers, { accept: 'application/json', authorization: 'Bearer tok' });
    });
  });

  describe('answers', () => {
    it('reads the device authorization', async () => {
      const authorization = {
        device_code: 'd',
        user_code: 'ABCD-EFGH',
        verification_uri: 'v',
        verification_uri_complete: 'v?c',
        expires_in: 600,
        interval: 2,
      };
      const { client } = clientAnswering({ status: 200, json: authorization });
      assert.deepEqual(await client.startDeviceAuthorization('c'), authorization);
    });

    it('reads each poll answer of RFC 8628 and the tokens', async () => {
      for (const error of ['authorization_pending', 'slow_down', 'access_denied', 'expired_token'] as const) {
        const { client } = clientAnswering({ status: 400, json: { error } });
        assert.deepEqual(await client.pollDeviceToken('d', 'c'), { kind: error });
      }
      const { client } = clientAnswering({ status: 200, json: tokens }, { status: 200, json: tokens });
      assert.deepEqual(await client.pollDeviceToken('d', 'c'), { kind: 'issued', tokens });
      assert.deepEqual(await client.refresh('r'), tokens);
    });

    it('unwraps the envelope of any 2xx', async () => {
      const { client } = clientAnswering(
        { status: 200, json: envelope({ email: 'a@example.com' }) },
        { status: 201, json: envelope({ certificate: 'c' }) },
      );
      assert.deepEqual(await client.me('tok'), { email: 'a@example.com' });
      assert.deepEqual(
        await client.issueCertificate('tok', { target_id: 't', username: 'u', public_key: 'k' }),
        {
          certificate: 'c',
        },
      );
    });

    it('reads an empty body or one that is not JSON as no JSON', async () => {
      for (const body of ['', '<html>bad gateway</html>']) {
        const client = new AccessServerClient(URL, () => Promise.resolve({ status: 502, text: body }));
        assert.deepEqual(await rejection(client.me('tok')), {
          code: 'unavailable',
          message: `GET ${URL}/v1/me answered HTTP 502`,
        });
      }
    });
  });

  describe('failures', () => {
    it('OAuth: the description, else the error, else the status; 5xx and 404 are "unavailable"', async () => {
      const cases: [AccessServerAnswer, ErrorCode, string][] = [
        [
          { status: 400, json: { error: 'invalid_client', error_description: 'unknown client' } },
          'invalid_argument',
          `${URL} refused starting the sign-in: unknown client`,
        ],
        [
          { status: 401, json: { error: 'invalid_client' } },
          'invalid_argument',
          `${URL} refused starting the sign-in: invalid_client`,
        ],
        [{ status: 404, json: null }, 'unavailable', `${URL} refused starting the sign-in: HTTP 404`],
        [{ status: 503, json: null }, 'unavailable', `${URL} refused starting the sign-in: HTTP 503`],
      ];
      for (const [answer, code, message] of cases) {
        const { client } = clientAnswering(answer);
        assert.deepEqual(await rejection(client.startDeviceAuthorization('c')), { code, message });
      }
    });

    it('OAuth: says which step was refused', async () => {
      const refused = { status: 400, json: { error: 'invalid_request', error_description: 'no' } };
      const { client } = clientAnswering(refused, refused, refused);
      assert.equal(
        (await rejection(client.pollDeviceToken('d', 'c'))).message,
        `${URL} refused waiting for the sign-in: no`,
      );
      assert.equal(
        (await rejection(client.refresh('r'))).message,
        `${URL} refused refreshing the sign-in: no`,
      );
      assert.equal((await rejection(client.revoke('r'))).message, `${URL} refused signing out: no`);
    });

    it('a refused refresh token (invalid_grant) is "unauthenticated" with the server’s description', async () => {
      const { client } = clientAnswering(
        {
          status: 400,
          json: { error: 'invalid_grant', error_description: 'the refresh token was already used' },
        },
        { status: 400, json: { error: 'invalid_grant' } },
      );
      assert.deepEqual(await rejection(client.refresh('r')), {
        code: 'unauthenticated',
        message: 'the refresh token was already used',
      });
      assert.deepEqual(await rejection(client.refresh('r')), {
        code: 'unauthenticated',
        message: 'the refresh token was refused',
      });
    });

    it('a 200 that is not the expected JSON asks whether this is a Latchkey access server', async () => {
      const { client } = clientAnswering(
        { status: 200, json: '<html>' },
        { status: 200, json: null },
        { status: 200, json: { access_token: 'a', refresh_token: 'r' } },
      );
      assert.deepEqual(await rejection(client.startDeviceAuthorization('c')), {
        code: 'unavailable',
        message: `POST /oauth/device_authorization at ${URL} answered HTTP 200 with something that is not the expected JSON; is it a Latchkey access server?`,
      });
      assert.match(
        (await rejection(client.pollDeviceToken('d', 'c'))).message,
        /^POST \/oauth\/token at .* not the expected JSON/,
      );
      assert.match(
        (await rejection(client.refresh('r'))).message,
        /^POST \/oauth\/token at .* not the expected JSON/,
      );
    });

    it('/v1/me*: the code by HTTP status, the message in the server’s words (all of them)', async () => {
      const cases: [number, ErrorCode][] = [
        [400, 'invalid_argument'],
        [401, 'unauthenticated'],
        [403, 'permission_denied'],
        [404, 'not_found'],
        // ERROR_CODES' statuses (shared/src/client/error-for-status.ts); before it a 409 read as unavailable here.
        [409, 'conflict'],
        [413, 'payload_too_large'],
        [422, 'invalid_argument'],
        [429, 'unavailable'],
        [500, 'unavailable'],
        [503, 'unavailable'],
      ];
      for (const [status, code] of cases) {
        const { client } = clientAnswering({
          status,
          json: failure('you may not log in to web-1 as root', 'and more'),
        });
        assert.deepEqual(
          await rejection(
            client.issueCertificate('tok', { target_id: 't', username: 'root', public_key: 'k' }),
          ),
          {
            code,
            message: 'you may not log in to web-1 as root; and more',
          },
        );
      }
    });

    it('/v1/me*: without the server’s words, which request answered which status', async () => {
      const { client } = clientAnswering(
        { status: 502, json: null },
        { status: 401, json: failure() },
        { status: 200, json: { success: false } },
      );
      assert.deepEqual(await rejection(client.me('tok')), {
        code: 'unavailable',
        message: `GET ${URL}/v1/me answered HTTP 502`,
      });
      assert.deepEqual(await rejection(client.myTargets('tok')), {
        code: 'unauthenticated',
        message: `GET ${URL}/v1/me/targets answered HTTP 401`,
      });
      assert.deepEqual(await rejection(client.me('tok')), {
        code: 'unavailable',
        message: `GET ${URL}/v1/me answered HTTP 200`,
      });
    });

    it('no answer: "cannot reach", with why in the transport’s words and the client’s hint', async () => {
      const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
      const fetchFailed = new TypeError('fetch failed', {
        cause: Object.assign(new Error('x'), { code: 'ECONNRESET' }),
      });
      const timedOut = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
      const cases: [unknown, string | undefined, string][] = [
        [refused, undefined, `cannot reach the access server at ${URL} (ECONNREFUSED)`],
        [
          fetchFailed,
          'check "latchkey.serverUrl"',
          `cannot reach the access server at ${URL} (ECONNRESET); check "latchkey.serverUrl"`,
        ],
        [
          timedOut,
          undefined,
          `cannot reach the access server at ${URL} (The operation was aborted due to timeout)`,
        ],
        [
          new TypeError('fetch failed', { cause: new Error('getaddrinfo failed') }),
          undefined,
          `cannot reach the access server at ${URL} (getaddrinfo failed)`,
        ],
      ];
      for (const [thrown, unreachableHint, message] of cases) {
        const client = new AccessServerClient(
          URL,
          () => Promise.reject(thrown),
          unreachableHint === undefined ? {} : { unreachableHint },
        );
        const error = await client.me('tok').then(
          () => assert.fail('expected a rejection'),
          (e: unknown) => e,
        );
        assert.ok(isLatchkeyError(error, 'unavailable'));
        assert.equal(error.message, message);
        assert.equal(error.cause, thrown);
      }
    });

    it('passes the timeout it was given to the transport', async () => {
      const timeouts: number[] = [];
      const client = new AccessServerClient(
        URL,
        (_url, _request, timeoutMs) => {
          timeouts.push(timeoutMs);
          return Promise.resolve(text({ status: 200, json: {} }));
        },
        { timeoutMs: 1234 },
      );
      await client.revoke('r');
      assert.deepEqual(timeouts, [1234]);
    });
  });
});
