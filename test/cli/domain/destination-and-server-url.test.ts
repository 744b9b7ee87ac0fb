import assert from 'node:assert/strict';
import { isLatchkeyError } from '@latchkey/shared';
import { parseDestination } from '../../../cli/src/domain/destination.js';
import { normaliseServerUrl } from '../../../cli/src/domain/server-url.js';

describe('parseDestination', () => {
  it('reads [USER@]TARGET', () => {
    assert.deepEqual(parseDestination('web-1'), { target: 'web-1' });
    assert.deepEqual(parseDestination('alice@web-1'), { username: 'alice', target: 'web-1' });
  });
  for (const bad of ['', '@web-1', 'alice@']) {
    it(`rejects ${JSON.stringify(bad)}`, () =>
      assert.throws(
        () => parseDestination(bad),
        (e) => isLatchkeyError(e, 'invalid_argument'),
      ));
  }
});

describe('normaliseServerUrl', () => {
  const same: [string, string][] = [
    ['https://Latchkey.Example.com/', 'https://latchkey.example.com'],
    ['https://latchkey.example.com:8443', 'https://latchkey.example.com:8443'],
    ['http://127.0.0.1:8443//', 'http://127.0.0.1:8443'],
    ['https://example.com/latchkey/', 'https://example.com/latchkey'],
    [' https://[::1]:9000 ', 'https://[::1]:9000'],
  ];
  for (const [input, expected] of same) {
    it(`${input} → ${expected}`, () => assert.equal(normaliseServerUrl(input), expected));
  }
  const bad: [string, RegExp][] = [
    ['latchkey.example.com', /not a URL/],
    ['ftp://example.com', /https:\/\//],
    ['https://user:pw@example.com', /user name/],
    ['https://example.com/?x=1', /query/],
  ];
  for (const [input, message] of bad) {
    it(`rejects ${input}`, () =>
      assert.throws(
        () => normaliseServerUrl(input, 'LATCHKEY_SERVER'),
        (e) =>
          isLatchkeyError(e, 'invalid_argument') &&
          message.test(e.message) &&
          e.message.startsWith('LATCHKEY_SERVER'),
      ));
  }
});
