import assert from 'node:assert/strict';
import { ERROR_CODES, LatchkeyError, httpStatusFor, isLatchkeyError } from '@latchkey/shared';

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
