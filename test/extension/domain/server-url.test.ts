import assert from 'node:assert/strict';
import { isLatchkeyError } from '@latchkey/shared';
import { normaliseServerUrl } from '../../../cli/src/domain/server-url.js';
import { normalizeServerUrl } from '../../../extension/src/domain/server-url.js';

describe('extension/domain/server-url', () => {
  it('refuses a user name or password in "latchkey.serverUrl" as the CLI does (it used to drop them)', () => {
    for (const text of ['https://user:pw@access.example.com', 'https://access.example.com/?a=1']) {
      assert.throws(
        () => normalizeServerUrl(text),
        (e) =>
          isLatchkeyError(e, 'invalid_config') &&
          /must not contain a user name, password, query or fragment/.test(e.message),
      );
      assert.throws(
        () => normaliseServerUrl(text, '"latchkey.serverUrl"'),
        (e) =>
          isLatchkeyError(e, 'invalid_argument') &&
          e.message ===
            (() => {
              try {
                normalizeServerUrl(text);
              } catch (error) {
                return (error as Error).message;
              }
              return '';
            })(),
      );
    }
  });
});
