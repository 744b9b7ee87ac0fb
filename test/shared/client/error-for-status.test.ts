import assert from 'node:assert/strict';
import { ERROR_CODES, type ErrorCode } from '@latchkey/shared';
import {
  errorCodeForAnswer,
  errorCodeForStatus,
  isErrorCode,
} from '../../../shared/src/client/error-for-status.js';

describe('shared/client/error-for-status: one reading of an HTTP status', () => {
  it('reads each generic status as the code ERROR_CODES gives it', () => {
    const generic: ErrorCode[] = [
      'invalid_argument',
      'unauthenticated',
      'permission_denied',
      'not_found',
      'conflict',
      'payload_too_large',
    ];
    for (const code of generic) assert.equal(errorCodeForStatus(ERROR_CODES[code]), code, code);
  });

  it('reads 422 as invalid_argument and everything else as unavailable', () => {
    assert.equal(errorCodeForStatus(422), 'invalid_argument');
    for (const status of [0, 302, 405, 429, 500, 502, 503, 504]) {
      assert.equal(errorCodeForStatus(status), 'unavailable', String(status));
    }
  });

  it("prefers the server's latchkey_code below 500 when it is in the table", () => {
    assert.equal(errorCodeForAnswer(403, 'access_denied'), 'access_denied');
    assert.equal(errorCodeForAnswer(400, 'malformed_certificate'), 'malformed_certificate');
    assert.equal(errorCodeForAnswer(403, 'no_such_code'), 'permission_denied');
    assert.equal(errorCodeForAnswer(404, undefined), 'not_found');
    assert.equal(errorCodeForAnswer(500, 'internal'), 'unavailable');
  });

  it('knows the codes of the table and nothing else', () => {
    assert.equal(isErrorCode('conflict'), true);
    assert.equal(isErrorCode('toString'), false);
    assert.equal(isErrorCode(409), false);
  });
});
