// The agent's reading of an API answer (agent/src/adapters/http/json-envelope.ts): the envelope's result,
// or the failure with the code shared's one status → code reading gives (the CLI and the extension read
// the same table), without a socket.
import assert from 'node:assert/strict';
import { LatchkeyError, type ErrorCode } from '@latchkey/shared';
import { errorCodeForAnswer } from '@latchkey/shared/client/error-for-status';
import { envelopeResult } from '../../../../agent/src/adapters/http/json-envelope.js';

const REQUEST = { method: 'POST', url: 'https://latchkey.test/v1/agents/heartbeat' };

function failure(status: number, errors?: unknown[]): { status: number; text: string } {
  return {
    status,
    text: JSON.stringify({ success: false, errors: errors ?? [], messages: [], result: null }),
  };
}

function codeOf(answer: { status: number; text: string }): ErrorCode {
  try {
    envelopeResult(REQUEST, answer);
  } catch (error) {
    assert.ok(error instanceof LatchkeyError, String(error));
    return error.code;
  }
  assert.fail('the answer was read as a success');
}

describe('agent/adapters/http: reading an API answer', () => {
  it('answers the result of a 2xx envelope', () => {
    const text = JSON.stringify({ success: true, errors: [], messages: [], result: { id: 't-1' } });
    assert.deepEqual(envelopeResult(REQUEST, { status: 200, text }), { id: 't-1' });
    assert.deepEqual(envelopeResult(REQUEST, { status: 201, text: '{"result":[1]}' }), [1]);
  });

  it('a 2xx envelope that says success: false is a failure, with the server’s code and message', () => {
    const text = JSON.stringify({
      success: false,
      errors: [{ code: 1000, message: 'no such target', latchkey_code: 'not_found' }],
      result: null,
    });
    assert.throws(
      () => envelopeResult(REQUEST, { status: 200, text }),
      (error: unknown) =>
        error instanceof LatchkeyError && error.code === 'not_found' && error.message === 'no such target',
    );
  });

  it('reads a bare status as shared reads it, for every status (one table, not the agent’s own)', () => {
    for (const status of [400, 401, 403, 404, 405, 409, 413, 422, 429, 451, 500, 502, 503, 504]) {
      assert.equal(codeOf(failure(status)), errorCodeForAnswer(status, undefined), `HTTP ${status}`);
    }
  });

  it('the statuses the agent acts on: 5xx and 429 retried, 409 held, 413 too large, 401 re-enrol', () => {
    const cases: [number, ErrorCode][] = [
      [400, 'invalid_argument'],
      [401, 'unauthenticated'],
      [403, 'permission_denied'],
      [404, 'not_found'],
      [409, 'conflict'],
      [413, 'payload_too_large'],
      [422, 'invalid_argument'],
      [429, 'unavailable'],
      [500, 'unavailable'],
      [503, 'unavailable'],
    ];
    for (const [status, code] of cases) assert.equal(codeOf(failure(status)), code, `HTTP ${status}`);
  });

  it('the server’s latchkey_code wins below 500 when it is in the table; never on a 5xx', () => {
    assert.equal(codeOf(failure(403, [{ message: 'no', latchkey_code: 'access_denied' }])), 'access_denied');
    assert.equal(codeOf(failure(400, [{ message: 'x', latchkey_code: 'not_a_code' }])), 'invalid_argument');
    assert.equal(codeOf(failure(400, [{ message: 'x', latchkey_code: 'toString' }])), 'invalid_argument');
    assert.equal(codeOf(failure(500, [{ message: 'x', latchkey_code: 'conflict' }])), 'unavailable');
  });

  it('keeps the server’s message, or names the request and status when there is none', () => {
    assert.throws(() => envelopeResult(REQUEST, failure(409, [{ message: 'already enrolled' }])), {
      message: 'already enrolled',
    });
    assert.throws(() => envelopeResult(REQUEST, failure(409)), {
      message: 'POST https://latchkey.test/v1/agents/heartbeat answered 409',
    });
  });

  it('a page that is not JSON: unavailable on a 5xx, else invalid_argument naming the address', () => {
    assert.equal(codeOf({ status: 502, text: '<html>Bad Gateway</html>' }), 'unavailable');
    assert.throws(
      () => envelopeResult(REQUEST, { status: 404, text: '<html>Not Found</html>' }),
      (error: unknown) =>
        error instanceof LatchkeyError &&
        error.code === 'invalid_argument' &&
        /without JSON; is this the right --server/.test(error.message),
    );
  });
});
