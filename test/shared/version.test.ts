import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { LATCHKEY_VERSION } from '../../shared/src/version.js';

describe('shared/version: one version', () => {
  it('every package.json says the version the code reports', () => {
    for (const pkg of ['.', 'shared', 'server', 'agent', 'cli', 'extension']) {
      const url = new URL(`../../${pkg}/package.json`, import.meta.url);
      const { version } = JSON.parse(readFileSync(url, 'utf8')) as { version?: string };
      assert.equal(version, LATCHKEY_VERSION, `${pkg}/package.json`);
    }
  });
});
