import assert from 'node:assert/strict';
import {
  CLIENT,
  ORIGIN,
  SessionLogWriter,
  formatScriptDate,
  formatSeconds,
  readSessionLog,
  sshLogCliEntries,
  termDataTrailer,
  type LogPacket,
  type OutputEntry,
} from '@latchkey/shared';
import { execLog, newKeys, ptyLog } from '../../../e2e/cli/logs-fixtures.js';
import { sshLogCliDecrypt } from '../ssh-log-cli-model.js';

function text(entry: OutputEntry): string {
  return Buffer.concat([...entry.pieces()].map((piece) => Buffer.from(piece))).toString('latin1');
}

function files(entries: OutputEntry[]): Record<string, string> {
  return Object.fromEntries(entries.map((entry) => [entry.name, text(entry)]));
}

/** Rust's `{:.6}` of an f32, computed independently: the exact binary value, rounded half to even. */
function rustF32Fixed6(micros: number): string {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, Math.fround(micros) / 1e6);
  const bits = view.getUint32(0);
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = BigInt(bits & 0x7fffff) | (exponent === 0 ? 0n : 0x800000n);
  const shift = BigInt((exponent === 0 ? 1 : exponent) - 127 - 23); // value = mantissa * 2^shift
  const numerator = shift >= 0n ? mantissa * 10n ** 6n * 2n ** shift : mantissa * 10n ** 6n;
  const denominator = shift >= 0n ? 1n : 2n ** -shift;
  let millionths = numerator / denominator;
  const remainder = numerator % denominator;
  if (remainder * 2n > denominator || (remainder * 2n === denominator && millionths % 2n === 1n))
    millionths++;
  return `${millionths / 1_000_000n}.${String(millionths % 1_000_000n).padStart(6, '0')}`;
}

describe("session-log outputs: ssh-log-cli's files", () => {
  it('renders term_data.txt and term_times.txt of a PTY session byte for byte (golden)', () => {
    const keys = newKeys();
    const log = readSessionLog(ptyLog(keys), keys.privateKey);
    const out = files(sshLogCliEntries(log));
    assert.deepEqual(Object.keys(out), ['term_data.txt', 'term_times.txt']);
    assert.equal(
      out['term_data.txt'],
      'Session started on 2026-11-24 21:58:22+00 [TERM="xterm-256color" COLUMNS="100" LINES="30"]\n' +
        'ada@web-1:~$ ls\r\ncaf\xc3\xa9\r\n\x1b[?25l\x1b[?25hada@web-1:~$ ' +
        '\nScript done on 2026-11-24 21:58:43+00 [COMMAND_EXIT_CODE="0"]\n',
    );
    // 20.007812: the f32 nearest 20.007812 is 20.0078125, a tie that Rust rounds to even.
    assert.equal(out['term_times.txt'], '0.001000 13\n0.499000 8\n0.100000 9\n20.007812 19\n');
  });

  it('matches the model of ssh-log-cli on a PTY log with short pauses (records and trailer invisible)', () => {
    const keys = newKeys();
    const writer = new SessionLogWriter({
      auditorPublicKey: keys.publicKey,
      identity: {
        session_id: 's',
        target_id: 't',
        user_email: 'a@b.c',
        principal: 'a',
        program_type: 'shell',
      },
      pty: { term: null, width: 80, height: 24, modes: [] },
      startedAt: new Date(0),
      maxChunkBytes: 1100,
    });
    const chunks: Uint8Array[] = [];
    for (let index = 0; index < 300; index++) {
      writer.data(index % 3 === 0 ? CLIENT : ORIGIN, index * 12_345, Buffer.from(`line ${index} ✓\r\n`));
      if (index % 50 === 0)
        writer.record({ kind: 'command', elapsedMicros: index * 12_345, body: { command: 'x' } });
    }
    chunks.push(writer.takeSealed());
    const finished = writer.finish({
      elapsedMicros: 4_000_000,
      exitData: { timestamp: 4, status: null, signal: 'TERM', core_dumped: false, error_msg: null },
    });
    const file = Buffer.concat([finished.header, ...chunks, finished.sealed]);
    const ours = files(sshLogCliEntries(readSessionLog(file, keys.privateKey)));
    assert.deepEqual(ours, sshLogCliDecrypt(file, keys.privateKey).files);
    assert.match(ours['term_data.txt']!, /^Session started on 1970-01-01 00:00:00\+00 \[TERM="unknown"/);
  });

  it('writes data_from_client.txt and data_from_server.txt for a session without a PTY', () => {
    const keys = newKeys();
    const file = execLog(keys);
    const out = files(sshLogCliEntries(readSessionLog(file, keys.privateKey)));
    assert.deepEqual(out, {
      'data_from_client.txt': 'hello from the client\nmore\n',
      'data_from_server.txt': 'ok\n',
    });
    assert.deepEqual(out, sshLogCliDecrypt(file, keys.privateKey).files);
  });

  it('ends term_data.txt as ssh-log-cli does for each kind of exit', () => {
    const at = 1_795_557_543;
    const base = { timestamp: at, status: null, signal: null, core_dumped: false, error_msg: null };
    assert.equal(termDataTrailer(null), '\nSession has no termination data\n');
    assert.equal(
      termDataTrailer({ ...base, status: 3 }),
      '\nScript done on 2026-11-24 21:59:03+00 [COMMAND_EXIT_CODE="3"]\n',
    );
    assert.equal(termDataTrailer(base), '\nScript done on 2026-11-24 21:59:03+00 [COMMAND_EXIT_CODE="0"]\n');
    assert.equal(
      termDataTrailer({ ...base, core_dumped: true, status: 139 }),
      '\nScript done on 2026-11-24 21:59:03+00 [CORE DUMPED]\n',
    );
    assert.equal(
      termDataTrailer({ ...base, core_dumped: true, error_msg: 'recorder died' }),
      '\nScript done on 2026-11-24 21:59:03+00 [ERROR="recorder died"]\n',
    );
    assert.equal(formatScriptDate(0), '1970-01-01 00:00:00+00');
  });

  it("formats timings as Rust's {:.6} of the f32 ssh-log-cli computes", () => {
    const table: [number, string][] = [
      [0, '0.000000'],
      [1, '0.000001'],
      [999_999, '0.999999'],
      [1_000_000, '1.000000'],
      [20_007_812, '20.007812'], // a tie, to even (toFixed would say 20.007813)
      [123_456_789, '123.456795'], // f32 cannot hold 123.456789
      [3_600_000_000, '3600.000000'],
    ];
    for (const [micros, expected] of table) assert.equal(formatSeconds(micros), expected, `${micros} µs`);
    let seed = 7;
    for (let index = 0; index < 20_000; index++) {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      const micros = index < 10_000 ? seed % 100_000_000 : seed;
      assert.equal(formatSeconds(micros), rustF32Fixed6(micros), `${micros} µs`);
    }
  });

  it('takes the bytes of each side as they are, split or not', () => {
    const packets: LogPacket[] = [
      { source: ORIGIN, code: 0, elapsedMicros: 5, data: Buffer.from([0xff, 0x00]) },
      { source: CLIENT, code: 0, elapsedMicros: 6, data: Buffer.from('in') },
    ];
    const metadata = {
      started_at: 0,
      data_size: 0,
      encapsulated_key: '0'.repeat(64),
      pty: null,
      exit_data: null,
    };
    const out = files(sshLogCliEntries({ metadata, packets }));
    assert.equal(out['data_from_server.txt'], '\xff\x00');
    assert.equal(out['data_from_client.txt'], 'in');
  });
});
