import assert from 'node:assert/strict';
import {
  escapeForTerminal,
  escapeLinesForTerminal,
  escapeValueForTerminal,
  jsonForTerminal,
} from '../../../cli/src/domain/terminal-text.js';

describe('escapeForTerminal (what agents report, printed safely)', () => {
  const cases: [string, string, string][] = [
    ['plain text stays as it is', 'ls -la /srv', 'ls -la /srv'],
    ['letters beyond ASCII stay', 'café 日本', 'café 日本'],
    ['an ANSI colour (ESC)', '\x1b[31mred\x1b[0m', '\\x1b[31mred\\x1b[0m'],
    ['a window title / clipboard OSC and its BEL', '\x1b]52;c;aGk=\x07', '\\x1b]52;c;aGk=\\x07'],
    ['line breaks and tabs (a hidden row)', 'a\nb\rc\td', 'a\\nb\\rc\\td'],
    ['NUL, backspace and DEL', 'a\0b\bc\x7f', 'a\\x00b\\x08c\\x7f'],
    ['C1 controls (an 8-bit CSI)', 'x\u009b2Jy', 'x\\x9b2Jy'],
    ['bidirectional overrides and isolates', 'a\u202eb\u2066c\u200fd', 'a\\u202eb\\u2066c\\u200fd'],
    ['line and paragraph separators', 'a\u2028b\u2029c', 'a\\u2028b\\u2029c'],
    ['a backslash, so an escape cannot be faked', 'echo \\x1b', 'echo \\\\x1b'],
  ];
  for (const [what, given, expected] of cases) {
    it(what, () => assert.equal(escapeForTerminal(given), expected));
  }
});

describe('escapeLinesForTerminal and escapeValueForTerminal', () => {
  it('keeps line feeds as line breaks in a message, and escapes the rest', () => {
    assert.equal(
      escapeLinesForTerminal('refused: a\x1b[2K\rb\nsecond line\u202e'),
      'refused: a\\x1b[2K\\rb\nsecond line\\u202e',
    );
  });

  it('prints a value that is not a string as its JSON, escaped', () => {
    assert.equal(escapeValueForTerminal('a\x1b'), 'a\\x1b');
    assert.equal(escapeValueForTerminal(['\x1b[2J']), '["\\\\u001b[2J"]');
    assert.equal(escapeValueForTerminal(42), '42');
    assert.equal(escapeValueForTerminal(null), 'null');
    assert.equal(escapeValueForTerminal(undefined), 'undefined');
  });
});

describe('jsonForTerminal', () => {
  it('escapes every control and bidirectional character, and parses back to the same value', () => {
    const value = { command: 'a\x1b[2J\u009b\u202e\u2028\x7fé', n: 1 };
    const text = jsonForTerminal(value);
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(text.replace(/\n/g, ''), /[\u0000-\u001f\u007f-\u009f\u202e\u2028]/);
    assert.deepEqual(JSON.parse(text), value);
  });
});
