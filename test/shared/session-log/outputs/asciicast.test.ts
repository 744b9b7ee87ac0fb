import assert from 'node:assert/strict';
import {
  ORIGIN,
  asciicastEntry,
  asciicastLines,
  asciicastPieces,
  readSessionLog,
  type AsciicastLog,
  type LogPacket,
} from '@latchkey/shared';
import { PTY_OUTPUT, newKeys, ptyLog } from '../../../e2e/cli/logs-fixtures.js';

const metadata = {
  started_at: 1_795_557_502,
  data_size: 0,
  encapsulated_key: '0'.repeat(64),
  pty: { term: 'xterm', width: 80, height: 24, modes: [] as [string, number][] },
  exit_data: null,
};

function origin(elapsedMicros: number, bytes: number[] | string): LogPacket {
  return { source: ORIGIN, code: 0, elapsedMicros, data: Buffer.from(bytes as never) };
}

function events(log: AsciicastLog): unknown[][] {
  return [...asciicastLines(log)].slice(1).map((line) => JSON.parse(line) as unknown[]);
}

describe('session-log outputs: asciicast v2', () => {
  it('is JSON lines: a v2 header, then [time, "o", text] and [time, "r", size] events in time order', () => {
    const keys = newKeys();
    const log = readSessionLog(ptyLog(keys), keys.privateKey);
    const text = Buffer.concat([
      ...asciicastEntry({ ...log, identity: log.integrity.identity! }).pieces(),
    ]).toString('utf8');
    assert.ok(text.endsWith('\n'));
    const lines = text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as unknown);
    assert.deepEqual(lines[0], {
      version: 2,
      width: 100,
      height: 30,
      timestamp: 1_795_557_502,
      title: 'ada@web-1 (ada@example.com, session sess-0001)',
      env: { TERM: 'xterm-256color' },
    });
    assert.deepEqual(lines.slice(1), [
      [0.001, 'o', 'ada@web-1:~$ '],
      [0.5, 'o', 'ls\r\ncaf'],
      [0.55, 'r', '120x40'],
      [0.6, 'o', 'é\r\n\x1b[?25l'],
      [20.607812, 'o', '\x1b[?25hada@web-1:~$ '],
    ]);
    const output = Buffer.concat(PTY_OUTPUT.map((piece) => piece.bytes)).toString('utf8');
    assert.equal(
      (lines.slice(1) as unknown[][])
        .filter((event) => event[1] === 'o')
        .map((event) => event[2])
        .join(''),
      output,
    );
  });

  it('decodes UTF-8 split across packets whole, in the packet that completes it', () => {
    // "€" is E2 82 AC, "😀" is F0 9F 98 80: split one byte at a time across four packets.
    const packets = [
      origin(1, [0x61, 0xe2]),
      origin(2, [0x82]),
      origin(3, [0xac, 0xf0, 0x9f]),
      origin(4, [0x98]),
      origin(5, [0x80, 0x62]),
    ];
    const got = events({ metadata, packets, records: [] });
    assert.deepEqual(got, [
      [0.000001, 'o', 'a'],
      [0.000003, 'o', '€'],
      [0.000005, 'o', '😀b'],
    ]);
  });

  it('turns bytes that are not UTF-8 into U+FFFD, including a sequence the log ends inside', () => {
    const got = events({
      metadata,
      packets: [origin(1, [0x41, 0xff, 0x42]), origin(2, [0xe2, 0x82])],
      records: [],
    });
    assert.deepEqual(got, [
      [0.000001, 'o', 'A\ufffdB'],
      [0.000002, 'o', '\ufffd'],
    ]);
  });

  it('leaves client input out and uses 80x24 for a session without a PTY', () => {
    const lines = [
      ...asciicastLines({
        metadata: { ...metadata, pty: null },
        packets: [{ source: 0, code: 0, elapsedMicros: 1, data: Buffer.from('secret') }, origin(2, 'ok')],
        records: [],
      }),
    ];
    const header = JSON.parse(lines[0]!) as { width: number; height: number; env: object };
    assert.equal(header.width, 80);
    assert.equal(header.height, 24);
    assert.deepEqual(header.env, {});
    assert.equal(lines.length, 2);
    assert.doesNotMatch(lines.join(''), /secret/);
  });

  it('writes the same file on its fast byte path as asciicastLines, whatever the packet splits', () => {
    let seed = 42;
    const random = (below: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % below;
    };
    const alphabet = [
      'a',
      ' ',
      '\r\n',
      '\x1b[01;34m',
      '"',
      '\\',
      '\t',
      '\x7f',
      'é',
      '✓',
      '😀',
      '\u2028',
      '\u0000',
    ];
    for (let round = 0; round < 50; round++) {
      let text = '';
      for (let index = 0; index < 400; index++) text += alphabet[random(alphabet.length)];
      const bytes = Buffer.from(text);
      const packets: LogPacket[] = [];
      for (let at = 0, time = 0; at < bytes.length; time += random(5000)) {
        const length = 1 + random(40);
        packets.push(origin(time, [...bytes.subarray(at, at + length)]));
        at += length;
      }
      const log = { metadata, packets, records: [] };
      const fast = Buffer.concat([...asciicastPieces(log, 64)]).toString('utf8');
      assert.equal(fast, [...asciicastLines(log)].join(''), `round ${round}`);
    }
  });

  it('on the fast path too, bytes that are not UTF-8 become U+FFFD and the text is the same', () => {
    const packets = [
      origin(1, [0x41, 0xff, 0x42, 0xe2]),
      origin(2, [0x82]),
      origin(3, [0xe0, 0x80, 0x43]),
      origin(4, [0xf0, 0x9f]),
    ];
    const log = { metadata, packets, records: [] };
    const text = (lines: string[]) =>
      lines
        .slice(1)
        .map((line) => (JSON.parse(line) as [number, string, string])[2])
        .join('');
    const fast = Buffer.concat([...asciicastPieces(log)])
      .toString('utf8')
      .trimEnd()
      .split('\n');
    const reference = [...asciicastLines(log)].map((line) => line.trimEnd());
    assert.equal(text(fast), text(reference));
    assert.equal(
      text(fast),
      new TextDecoder().decode(Buffer.from([0x41, 0xff, 0x42, 0xe2, 0x82, 0xe0, 0x80, 0x43, 0xf0, 0x9f])),
    );
  });
});
