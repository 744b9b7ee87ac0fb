// The one reading of a refused WebSocket upgrade (shared/src/client/upgrade-refusal.ts), used by the CLI's
// `latchkey proxy` and the extension's terminal: the same refusal says the same thing in both.
import assert from 'node:assert/strict';
import { LatchkeyError, upgradeRefusalError, type ErrorCode } from '@latchkey/shared';

const envelope = (...errors: { message?: string; latchkey_code?: string }[]) =>
  JSON.stringify({ success: false, errors: errors.map((e, i) => ({ code: 1000 + i, ...e })), result: null });

describe('shared/client: reading a refused upgrade', () => {
  it('the server’s code and words, when its envelope names a code of the table', () => {
    const cases: [number, string, ErrorCode][] = [
      [403, 'access_denied', 'access_denied'],
      [404, 'not_found', 'not_found'],
      [503, 'unavailable', 'unavailable'],
      [500, 'internal', 'internal'],
      [400, 'invalid_argument', 'invalid_argument'],
    ];
    for (const [status, named, code] of cases) {
      const error = upgradeRefusalError(status, envelope({ message: `said ${named}`, latchkey_code: named }));
      assert.ok(error instanceof LatchkeyError);
      assert.deepEqual([error.code, error.message], [code, `said ${named}`], `HTTP ${status}`);
    }
  });

  it('401 is always unauthenticated, so the session refreshes its token and asks again', () => {
    assert.equal(
      upgradeRefusalError(401, envelope({ message: 'x', latchkey_code: 'permission_denied' })).code,
      'unauthenticated',
    );
    assert.equal(upgradeRefusalError(401, '').code, 'unauthenticated');
  });

  it('a code not in the table, or none, reads the status as every client does', () => {
    const cases: [number, ErrorCode][] = [
      [400, 'invalid_argument'],
      [403, 'permission_denied'],
      [404, 'not_found'],
      [429, 'unavailable'],
      [502, 'unavailable'],
      [200, 'unavailable'],
    ];
    for (const [status, code] of cases) {
      assert.equal(
        upgradeRefusalError(status, envelope({ message: 'm', latchkey_code: 'toString' })).code,
        code,
      );
      assert.equal(upgradeRefusalError(status, envelope({ message: 'm' })).code, code);
    }
  });

  it('a page that is not the envelope: the status named, in the status’s code', () => {
    const error = upgradeRefusalError(502, '<html>Bad Gateway</html>');
    assert.deepEqual([error.code, error.message], ['unavailable', 'the server answered HTTP 502']);
    assert.equal(upgradeRefusalError(403, '').message, 'the server answered HTTP 403');
  });

  it('every message of the envelope, joined', () => {
    const error = upgradeRefusalError(
      403,
      envelope({ message: 'one', latchkey_code: 'access_denied' }, { message: 'two' }),
    );
    assert.equal(error.message, 'one; two');
  });
});
