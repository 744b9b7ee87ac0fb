import assert from 'node:assert/strict';
import { isLatchkeyError } from '@latchkey/shared';
import { normalizeHostname } from '../../../agent/src/domain/hostname-rules.js';

describe('normalizeHostname', () => {
  const fixes: [string, string][] = [
    ['web-1', 'web-1'],
    ['Web-1.Example.COM', 'web-1.example.com'],
    ['db01.example.com.', 'db01.example.com'],
    ['  build_box  ', 'build-box'],
    ['my host', 'my-host'],
    ['a__b  c', 'a-b-c'],
    ['1', '1'],
    ['a'.repeat(253), 'a'.repeat(253)],
  ];
  for (const [raw, expected] of fixes) {
    it(`${JSON.stringify(raw)} → ${expected}`, () => assert.equal(normalizeHostname(raw), expected));
  }

  const rejects: [string, RegExp][] = [
    ['', /must not be empty/],
    ['   ', /must not be empty/],
    ['-web', /must start with a letter or digit/],
    ['web-', /must end with a letter or digit/],
    ['_web', /must start/],
    ['wéb', /contains "é"/],
    ['a/b', /contains "\/"/],
    ['a'.repeat(254), /at most 253/],
  ];
  for (const [raw, message] of rejects) {
    it(`rejects ${JSON.stringify(raw.slice(0, 20))}`, () => {
      assert.throws(
        () => normalizeHostname(raw),
        (e) => isLatchkeyError(e, 'invalid_argument') && e.pointer === '/hostname' && message.test(e.message),
      );
    });
  }
});
