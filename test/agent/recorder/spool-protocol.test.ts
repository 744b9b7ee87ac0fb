import assert from 'node:assert/strict';
import {
  decodeFinishPayload,
  encodeFinishPayload,
  encodeFrame,
  FrameDecoder,
  MAX_FRAME_BYTES,
  wholeChunksLength,
} from '../../../agent/src/domain/recording/spool-protocol.js';
import {
  isLogId,
  logIdOfStateFile,
  newLogId,
  spoolFileNames,
} from '../../../agent/src/domain/recording/spool-naming.js';

describe('spool protocol frames', () => {
  it('decodes frames fed one byte at a time', () => {
    const stream = Buffer.concat([
      encodeFrame(1, Buffer.from('{"a":1}')),
      encodeFrame(2, Buffer.alloc(70_000, 7)),
      encodeFrame(3, Buffer.alloc(0)),
    ]);
    const decoder = new FrameDecoder();
    const frames = [];
    for (const byte of stream) frames.push(...decoder.push(Buffer.from([byte])));
    assert.deepEqual(
      frames.map((f) => [f.type, f.payload.length]),
      [
        [1, 7],
        [2, 70_000],
        [3, 0],
      ],
    );
  });

  it('refuses an empty or oversized frame', () => {
    assert.throws(() => new FrameDecoder().push(Buffer.from([0, 0, 0, 0, 1])), /out of range/);
    const big = Buffer.alloc(5);
    big.writeUInt32BE(MAX_FRAME_BYTES + 1);
    assert.throws(() => new FrameDecoder().push(big), /out of range/);
  });

  it('carries the header and the last chunks in FINISH', () => {
    const payload = encodeFinishPayload(Buffer.from('HEAD'), Buffer.from('chunks'));
    const { header, sealed } = decodeFinishPayload(payload);
    assert.equal(header.toString(), 'HEAD');
    assert.equal(sealed.toString(), 'chunks');
    assert.throws(() => decodeFinishPayload(payload.subarray(0, 6)), /ends inside its header/);
  });

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
