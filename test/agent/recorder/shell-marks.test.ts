import assert from 'node:assert/strict';
import {
  escapeMarkPayload,
  ShellMarkScanner,
  unescapeMarkPayload,
  type ShellMark,
} from '../../../agent/src/domain/recording/shell-marks.js';

const NONCE = 'abc123def456';
const mark = (body: string, nonce = NONCE) => `\x1b]633;LK;${nonce};${body}\x07`;

function scanAll(scanner: ShellMarkScanner, chunks: string[]): { output: string; marks: ShellMark[] } {
  let output = '';
  const marks: ShellMark[] = [];
  for (const chunk of chunks) {
    const scanned = scanner.scan(Buffer.from(chunk, 'utf8'));
    output += scanned.output.toString('utf8');
    marks.push(...scanned.marks);
  }
  output += scanner.drain().toString('utf8');
  return { output, marks };
}

describe('ShellMarkScanner', () => {
  const stream =
    'prompt$ ' +
    mark('E;echo a\\x3bb \\\\ c') +
    'a;b \\ c\r\n' +
    mark('D;0') +
    mark('P;Cwd=/home/al\\x3bice') +
    mark('A') +
    'prompt$ ';
  const expectedMarks: ShellMark[] = [
    { kind: 'command-line', commandLine: 'echo a;b \\ c' },
    { kind: 'command-finished', exitStatus: 0 },
    { kind: 'cwd', cwd: '/home/al;ice' },
    { kind: 'prompt' },
  ];

  it('takes the marks out of the stream and decodes them', () => {
    const { output, marks } = scanAll(new ShellMarkScanner(NONCE), [stream]);
    assert.equal(output, 'prompt$ a;b \\ c\r\nprompt$ ');
    assert.deepEqual(marks, expectedMarks);
  });

  it('finds marks split across chunks at every byte', () => {
    for (let split = 1; split < stream.length; split++) {
      const { output, marks } = scanAll(new ShellMarkScanner(NONCE), [
        stream.slice(0, split),
        stream.slice(split),
      ]);
      assert.equal(output, 'prompt$ a;b \\ c\r\nprompt$ ', `split at ${split}`);
      assert.deepEqual(marks, expectedMarks, `split at ${split}`);
    }
  });

  it('passes through marks with another nonce (a user printing one) as output', () => {
    const forged = mark('E;rm -rf /', 'forgednonce00');
    const { output, marks } = scanAll(new ShellMarkScanner(NONCE), [`x${forged}y`]);
    assert.equal(output, `x${forged}y`);
    assert.deepEqual(marks, []);
  });

  it('passes through other escape sequences and a lone ESC at the end of a chunk', () => {
    const { output } = scanAll(new ShellMarkScanner(NONCE), ['\x1b[31mred\x1b[0m\x1b', ']0;title\x07']);
    assert.equal(output, '\x1b[31mred\x1b[0m\x1b]0;title\x07');
  });

  it('gives back an unterminated mark as output when the session ends', () => {
    const { output, marks } = scanAll(new ShellMarkScanner(NONCE), [`a\x1b]633;LK;${NONCE};E;never ends`]);
    assert.equal(output, `a\x1b]633;LK;${NONCE};E;never ends`);
    assert.deepEqual(marks, []);
  });

  it('reads a missing or odd exit status as unknown, and ignores unknown kinds', () => {
    const { marks } = scanAll(new ShellMarkScanner(NONCE), [mark('D;'), mark('D;x1'), mark('Z;what')]);
    assert.deepEqual(marks, [
      { kind: 'command-finished', exitStatus: null },
      { kind: 'command-finished', exitStatus: null },
    ]);
  });

  it('refuses a nonce that could not be told from data', () => {
    assert.throws(() => new ShellMarkScanner('short'));
    assert.throws(() => new ShellMarkScanner('has;semicolon1'));
  });
});

describe('mark payload escaping', () => {
  const cases = [
    'plain',
    'a;b',
    'back\\slash',
    'multi\nline\r\n',
    'tab\there',
    'bell\x07esc\x1b',
    'ünïcödé ✓',
    '\\x41',
  ];
  for (const text of cases) {
    it(`round-trips ${JSON.stringify(text)}`, () => {
      const escaped = escapeMarkPayload(text);
      assert.ok(
        [...escaped].every((char) => char !== ';' && char >= ' ' && char !== '\x7f'),
        escaped,
      );
      assert.equal(unescapeMarkPayload(escaped), text);
    });
  }
});
