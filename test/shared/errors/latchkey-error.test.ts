import assert from 'node:assert/strict';
import {
  ERROR_CODES,
  LatchkeyError,
  apiErrorNumber,
  errorItemFor,
  httpStatusFor,
  isLatchkeyError,
} from '@latchkey/shared';

describe('LatchkeyError', () => {
  it('carries a stable code, a message and an optional JSON pointer', () => {
    const error = new LatchkeyError('invalid_argument', 'hostname must not be empty', {
      pointer: '/hostname',
    });
    assert.equal(error.code, 'invalid_argument');
    assert.equal(error.pointer, '/hostname');
    assert.equal(error.message, 'hostname must not be empty');
    assert.ok(error instanceof Error);
    assert.ok(isLatchkeyError(error, 'invalid_argument'));
    assert.ok(!isLatchkeyError(error, 'not_found'));
    assert.ok(!isLatchkeyError(new Error('plain')));
  });

  it('maps every code to an HTTP status in one table', () => {
    for (const [code, status] of Object.entries(ERROR_CODES)) {
      assert.ok(status >= 400 && status < 600, `${code} maps to ${status}`);
    }
    assert.equal(httpStatusFor('not_found'), 404);
    assert.equal(httpStatusFor('conflict'), 409);
  });
});

describe('ERROR_CODES: the routing failures', () => {
  it('holds the two codes the router sends, with their statuses and Cloudflare numbers', () => {
    assert.equal(httpStatusFor('route_not_found'), 404);
    assert.equal(httpStatusFor('method_not_allowed'), 405);
    assert.equal(apiErrorNumber('route_not_found'), 7003);
    assert.equal(apiErrorNumber('method_not_allowed'), 7001);
    assert.deepEqual(errorItemFor(new LatchkeyError('route_not_found', 'No route for the URI')), {
      code: 7003,
      message: 'No route for the URI',
      latchkey_code: 'route_not_found',
    });
  });
});
