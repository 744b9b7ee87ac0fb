import assert from 'node:assert/strict';
import { wholeChunksLength } from '../../../../agent/src/domain/recording/spool-protocol.js';
import {
  isLogId,
  logIdOfStateFile,
  newLogId,
  spoolFileNames,
} from '../../../../agent/src/domain/recording/spool-naming.js';

describe('spool chunks', () => {
  it('finds where whole framed chunks end', () => {
    const chunk = (n: number) => Buffer.concat([Buffer.from([0, 0, 0, n]), Buffer.alloc(n, 1)]);
    const two = Buffer.concat([chunk(20), chunk(30)]);
    assert.equal(wholeChunksLength(two), 24 + 34);
    assert.equal(wholeChunksLength(two.subarray(0, 40)), 24);
    assert.equal(wholeChunksLength(two.subarray(0, 2)), 0);
    assert.equal(wholeChunksLength(Buffer.alloc(0)), 0);
  });
});

describe('spool file names', () => {
  it('names a log after its session, time and a random part, safe as a file name', () => {
    const id = newLogId(
      '6f9d0c1e-3b7a-4c55-9e0d-2a1b3c4d5e6f',
      new Date('2026-11-24T19:55:25.123Z'),
      '0123456789abcdef',
    );
    assert.equal(id, '6f9d0c1e-3b7a-4c55-9e0d-2a1b3c4d5e6f.20261124T195525Z.0123456789abcdef');
    assert.ok(isLogId(id));
    assert.deepEqual(spoolFileNames(id), { chunks: `${id}.chunks`, state: `${id}.json` });
    assert.equal(logIdOfStateFile(`${id}.json`), id);
    assert.equal(newLogId('../../etc/passwd', new Date(0), 'zz00').startsWith('etcpasswd.'), true);
  });

  it('refuses names that are not log ids', () => {
    for (const bad of ['', '../x', 'a/b', '.hidden', 'a..b']) assert.equal(isLogId(bad), false, bad);
    assert.throws(() => spoolFileNames('../x'));
    assert.equal(logIdOfStateFile('x.chunks'), null);
    assert.equal(logIdOfStateFile('x.json.1234.tmp'), null);
  });
});
