import assert from 'node:assert/strict';
import { jsonOrNull, readEnvelopeAnswer } from '../../../shared/src/client/envelope-answer.js';

describe('shared/client/envelope-answer: reading Cloudflare’s envelope', () => {
  it('a 2xx success envelope is its result and result_info', () => {
    assert.deepEqual(
      readEnvelopeAnswer(200, { success: true, errors: [], result: [1], result_info: { page: 1 } }),
      { ok: true, result: [1], resultInfo: { page: 1 } },
    );
  });

  it('a failure joins the messages, reads the code from the status and keeps the first latchkey_code', () => {
    assert.deepEqual(
      readEnvelopeAnswer(409, {
        success: false,
        errors: [{ code: 1003, message: 'exists', latchkey_code: 'conflict' }, { message: 'and more' }, {}],
        result: null,
      }),
      { ok: false, code: 'conflict', message: 'exists; and more', latchkeyCode: 'conflict' },
    );
  });

  it('a 2xx that is not a success envelope, or a body that is not one, is a failure without words', () => {
    assert.deepEqual(readEnvelopeAnswer(200, { success: false }), {
      ok: false,
      code: 'unavailable',
      message: '',
      latchkeyCode: undefined,
    });
    assert.deepEqual(readEnvelopeAnswer(502, null), {
      ok: false,
      code: 'unavailable',
      message: '',
      latchkeyCode: undefined,
    });
    assert.deepEqual(readEnvelopeAnswer(413, 'too big'), {
      ok: false,
      code: 'payload_too_large',
      message: '',
      latchkeyCode: undefined,
    });
  });

  it('reads a body as JSON, or null when empty or not JSON', () => {
    assert.deepEqual(jsonOrNull('{"a":1}'), { a: 1 });
    assert.equal(jsonOrNull(''), null);
    assert.equal(jsonOrNull('<html>'), null);
  });
});
