// The browser's HPKE (server/console/hpke-browser.ts, on @noble) against shared's (node:crypto), chunk by
// chunk over real sealed logs: the same plaintexts, the same refusals (a flipped byte, a wrong key), and
// skip() stepping past a chunk that fails so the next one opens, as shared's reader needs.
import assert from 'node:assert/strict';
import { LatchkeyError, parseHeader, setupHpkeRecipient, hpkePublicKeyFor } from '@latchkey/shared';
import * as browser from '../../../server/console/hpke-browser.js';
import { flipByte, newKeys, ptyLog } from '../../e2e/cli/logs-fixtures.js';

function chunksOf(file: Buffer): { enc: Buffer; chunks: Buffer[] } {
  const { metadata, headerLength } = parseHeader(file);
  const chunks: Buffer[] = [];
  for (let offset = headerLength; offset < file.length;) {
    const length = file.readUInt32BE(offset);
    chunks.push(file.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length;
  }
  return { enc: Buffer.from(metadata.encapsulated_key, 'hex'), chunks };
}

describe('console: HPKE in the browser', () => {
  const keys = newKeys();

  it('opens every chunk of a real log to the same bytes as shared', () => {
    const { enc, chunks } = chunksOf(ptyLog(keys));
    assert.ok(chunks.length >= 4);
    const node = setupHpkeRecipient(keys.privateKey, enc);
    const page = browser.setupHpkeRecipient(keys.privateKey, enc);
    for (const chunk of chunks)
      assert.deepEqual(Buffer.from(page.open(chunk)), Buffer.from(node.open(chunk)));
    assert.equal(page.sequence, node.sequence);
    assert.deepEqual(
      Buffer.from(browser.hpkePublicKeyFor(keys.privateKey)),
      Buffer.from(hpkePublicKeyFor(keys.privateKey)),
    );
  });

  it('refuses an altered chunk and steps past it; refuses a wrong key', () => {
    const { enc, chunks } = chunksOf(flipByte(ptyLog(keys)));
    const page = browser.setupHpkeRecipient(keys.privateKey, enc);
    assert.throws(
      () => page.open(chunks[0]!),
      (error: unknown) => error instanceof LatchkeyError && error.code === 'session_log_decryption_failed',
    );
    page.skip();
    assert.ok(page.open(chunks[1]!).length > 0, 'the next chunk opens');
    const wrong = browser.setupHpkeRecipient(newKeys().privateKey, enc);
    assert.throws(() => wrong.open(chunks[1]!), /does not authenticate/);
    assert.throws(() => browser.setupHpkeRecipient(new Uint8Array(31), enc), /32 bytes/);
  });
});
