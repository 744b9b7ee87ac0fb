import assert from 'node:assert/strict';
import { isLatchkeyError } from '@latchkey/shared';
import { normaliseServerUrl } from '../../../shared/src/client/server-url.js';

describe('shared/client/server-url: the server URL rules of every client', () => {
  it('keeps one canonical form', () => {
    assert.equal(
      normaliseServerUrl(' https://Access.Example.com/ ', '--server'),
      'https://access.example.com',
    );
    assert.equal(
      normaliseServerUrl('http://127.0.0.1:8080/base//', '--server'),
      'http://127.0.0.1:8080/base',
    );
    assert.equal(normaliseServerUrl('https://x.test:443/', '--server'), 'https://x.test');
  });

  const refused: [string, RegExp][] = [
    ['not a url', /is not a URL/],
    ['ftp://x.test', /must be an http\(s\) URL: start it with https:\/\//],
    ['https://user:pw@x.test', /must not contain a user name, password, query or fragment/],
    ['https://user@x.test', /must not contain a user name/],
    ['https://x.test/?a=1', /query/],
    ['https://x.test/#f', /fragment/],
  ];
  for (const [text, message] of refused) {
    it(`refuses ${text} with the same message for the CLI and the extension`, () => {
      const cli = (() => {
        try {
          normaliseServerUrl(text, 'LATCHKEY_SERVER');
        } catch (error) {
          return error;
        }
        return undefined;
      })();
      assert.ok(isLatchkeyError(cli, 'invalid_argument'));
      assert.match(cli.message, message);
      assert.ok(cli.message.startsWith(`LATCHKEY_SERVER: ${JSON.stringify(text)} `));
      assert.equal(cli.pointer, 'LATCHKEY_SERVER');
      assert.throws(
        () => normaliseServerUrl(text, '"latchkey.serverUrl"', 'invalid_config'),
        (e) =>
          isLatchkeyError(e, 'invalid_config') &&
          e.message === cli.message.replace('LATCHKEY_SERVER', '"latchkey.serverUrl"'),
      );
    });
  }
});
