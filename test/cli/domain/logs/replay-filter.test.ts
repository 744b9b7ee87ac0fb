import assert from 'node:assert/strict';
import {
  ReplayFilter,
  describeDropped,
  type DroppedKind,
} from '../../../../cli/src/domain/logs/replay-filter.js';

type Counts = Partial<Record<DroppedKind, number>>;

interface Filtered {
  /** What the writes returned, then what `end` returned. */
  written: string;
  restored: string;
  dropped: Counts;
}

/** The input through one filter, in these pieces. */
function filter(pieces: readonly Uint8Array[]): Filtered {
  const replay = new ReplayFilter();
  const written = Buffer.concat(pieces.map((piece) => replay.write(piece))).toString('utf8');
  const restored = Buffer.from(replay.end()).toString('utf8');
  return { written, restored, dropped: Object.fromEntries(replay.dropped()) };
}

/** Every way of cutting `bytes` in two, and byte by byte: the result must not depend on the cuts. */
function splits(bytes: Uint8Array): Uint8Array[][] {
  const ways: Uint8Array[][] = [[bytes], [...bytes].map((byte) => Uint8Array.of(byte))];
  for (let cut = 1; cut < bytes.length; cut++) ways.push([bytes.subarray(0, cut), bytes.subarray(cut)]);
  return ways;
}

const utf8 = (text: string) => Buffer.from(text, 'utf8');
const latin1 = (text: string) => Buffer.from(text, 'latin1');

interface Case {
  what: string;
  input: Uint8Array;
  written: string;
  /** What `end` writes (default: only the attribute reset). */
  restored?: string;
  dropped?: Counts;
}

const RESET = '\x1b[0m';

const CASES: Case[] = [
  // The session's own display passes.
  { what: 'text and UTF-8', input: utf8('ls -la\r\ncafé 日本 🙂\n'), written: 'ls -la\r\ncafé 日本 🙂\n' },
  {
    what: 'colours, cursor movement and erasing within the screen',
    input: utf8('\x1b[1;31mred\x1b[0m\x1b[10;5H\x1b[2A\x1b[K\x1b[2J\x1b[38:2::255:0:0mx\x1b[3@\x1b[2P'),
    written: '\x1b[1;31mred\x1b[0m\x1b[10;5H\x1b[2A\x1b[K\x1b[2J\x1b[38:2::255:0:0mx\x1b[3@\x1b[2P',
  },
  {
    what: "the verify attack's cursor-up, erase-line, CR: in a replay it is the session's display",
    input: utf8('user: mallory\x1b[1A\x1b[2K\rverdict: verified'),
    written: 'user: mallory\x1b[1A\x1b[2K\rverdict: verified',
  },
  {
    what: 'save and restore cursor, index, reverse index, line drawing, DEC line attributes',
    input: utf8('\x1b7\x1bD\x1bM\x1bE\x1b8\x1b(0qqq\x1b(B\x1b#6\x1b[s\x1b[u'),
    written: '\x1b7\x1bD\x1bM\x1bE\x1b8\x1b(0qqq\x1b(B\x1b#6\x1b[s\x1b[u',
  },
  {
    what: 'BEL, BS, HT, LF, VT, FF and CR pass; NUL, DEL and other C0 controls do not',
    input: utf8('a\x07\x08\t\n\x0b\x0c\rb\x00c\x7fd\x01\x1ce'),
    written: 'a\x07\x08\t\n\x0b\x0c\rbcde',
  },
  {
    what: '`clear`: home and erase pass, the scrollback erase (CSI 3 J) does not',
    input: utf8('\x1b[H\x1b[2J\x1b[3J$ '),
    written: '\x1b[H\x1b[2J$ ',
    dropped: { other: 1 },
  },

  // The clipboard (OSC 52), with each terminator.
  {
    what: 'OSC 52 clipboard write ended by BEL',
    input: utf8('a\x1b]52;c;ZWNobyBvd25lZA==\x07b'),
    written: 'ab',
    dropped: { clipboard: 1 },
  },
  {
    what: 'OSC 52 ended by ESC \\ (ST)',
    input: utf8('a\x1b]52;c;ZWNobyBvd25lZA==\x1b\\b'),
    written: 'ab',
    dropped: { clipboard: 1 },
  },
  {
    what: 'OSC 52 as 8-bit controls in UTF-8 (U+009D … U+009C)',
    input: utf8('a\u009d52;c;ZWNobyBvd25lZA==\u009cb'),
    written: 'ab',
    dropped: { clipboard: 1 },
  },
  {
    what: 'an OSC 52 query (the terminal would answer with the clipboard)',
    input: utf8('\x1b]52;c;?\x07'),
    written: '',
    dropped: { clipboard: 1 },
  },

  // Titles and the other OSCs.
  {
    what: 'window and icon titles (OSC 0, 1, 2)',
    input: utf8('\x1b]0;owned\x07\x1b]1;icon\x07\x1b]2;title\x1b\\$ '),
    written: '$ ',
    dropped: { title: 3 },
  },
  {
    what: 'a hyperlink (OSC 8): its text stays, the link does not',
    input: utf8('\x1b]8;;https://evil.example/\x1b\\click here\x1b]8;;\x1b\\'),
    written: 'click here',
    dropped: { osc: 2 },
  },
  {
    what: 'working directory (7), notifications (9, 777), iTerm2 (1337), colours (4, 11), reset (104)',
    input: utf8(
      '\x1b]7;file://host/etc\x07\x1b]9;hi\x07\x1b]777;notify;a;b\x07' +
        '\x1b]1337;File=name=eA==;inline=0:aGk=\x07\x1b]4;1;#ff0000\x07\x1b]11;?\x07\x1b]104\x07',
    ),
    written: '',
    dropped: { osc: 7 },
  },

  // DCS, APC, PM, SOS.
  {
    what: 'DECRQSS (DCS $ q), which the terminal answers',
    input: utf8('\x1bP$qm\x1b\\\x1bP$q"p\x1b\\'),
    written: '',
    dropped: { dcs: 2 },
  },
  {
    what: 'XTGETTCAP, user-defined keys, sixel',
    input: utf8('\x1bP+q544e\x1b\\\x1bP0;1|17/6563686f\x1b\\\x1bPq#0;2;0;0;0~-\x1b\\'),
    written: '',
    dropped: { dcs: 3 },
  },
  {
    what: "tmux's pass-through (DCS tmux; with the inner ESCs doubled) lets nothing through",
    input: utf8('\x1bPtmux;\x1b\x1b]52;c;aGk=\x07\x1b\\ok'),
    written: 'ok',
    dropped: { dcs: 1, clipboard: 1, other: 1 },
  },
  {
    what: 'APC (kitty graphics), PM and SOS',
    input: utf8('\x1b_Gf=100,a=T;aGk=\x1b\\\x1b^private\x1b\\\x1bXstring\x1b\\\u009fapc\u009c'),
    written: '',
    dropped: { apc: 4 },
  },

  // Requests the terminal answers into the auditor's input.
  {
    what: 'device status and cursor position reports (CSI 5n, 6n, ?6n)',
    input: utf8('\x1b[5n\x1b[6n\x1b[?6n$'),
    written: '$',
    dropped: { report: 3 },
  },
  {
    what: 'device attributes (CSI c, 0c, >c, =c, ESC Z, 8-bit CSI c) and ENQ',
    input: utf8('\x1b[c\x1b[0c\x1b[>c\x1b[=c\x1bZ\u009bc\x05'),
    written: '',
    dropped: { report: 7 },
  },
  {
    what: 'DECRQM, DECREQTPARM, XTVERSION, kitty keyboard query, DECRQCRA',
    input: utf8('\x1b[?2004$p\x1b[4$p\x1b[x\x1b[>q\x1b[?u\x1b[1;1;1;1;1;1*y'),
    written: '',
    dropped: { report: 6 },
  },

  // What changes the terminal's input.
  {
    what: 'bracketed paste, mouse and focus reporting, application cursor keys and keypad',
    input: utf8('\x1b[?2004h\x1b[?1000;1006h\x1b[?1004h\x1b[?1h\x1b=x\x1b>'),
    written: 'x',
    dropped: { input: 7 },
  },
  {
    what: 'modifyOtherKeys, the kitty keyboard protocol, the keyboard lock (KAM)',
    input: utf8('\x1b[>4;2m\x1b[>1u\x1b[=1;1u\x1b[<u\x1b[2h'),
    written: '',
    dropped: { input: 5 },
  },
  {
    what: 'a DECSET of kept and dropped modes keeps only the kept',
    input: utf8('\x1b[?1049;2004;1h'),
    written: '\x1b[?1049h',
    restored: '\x1b[?1049l' + RESET,
    dropped: { input: 2 },
  },

  // The window.
  {
    what: 'window operations: resize, move, iconify, report, title stack, 132 columns',
    input: utf8('\x1b[8;100;300t\x1b[3;0;0t\x1b[2t\x1b[21t\x1b[22;0t\x1b[?3h'),
    written: '',
    dropped: { window: 6 },
  },

  // What would outlast the replay is undone at its end.
  {
    what: 'the alternate screen, a hidden cursor, insert mode, reverse video, no autowrap, left on',
    input: utf8('\x1b[?1049h\x1b[?25l\x1b[4h\x1b[?5h\x1b[?7lvim'),
    written: '\x1b[?1049h\x1b[?25l\x1b[4h\x1b[?5h\x1b[?7lvim',
    restored: '\x1b[?1049l\x1b[?7h\x1b[?5l\x1b[4l\x1b[?25h' + RESET,
  },
  {
    what: 'modes switched off again are not touched',
    input: utf8('\x1b[?1049h\x1b[?25lx\x1b[?25h\x1b[?1049l'),
    written: '\x1b[?1049h\x1b[?25lx\x1b[?25h\x1b[?1049l',
  },
  {
    what: 'a scroll region and origin mode (which home the cursor, so it goes to the bottom line)',
    input: utf8('\x1b[5;10r\x1b[?6h'),
    written: '\x1b[5;10r\x1b[?6h',
    restored: '\x1b[?6l\x1b[r\x1b[999;1H' + RESET,
  },
  {
    what: 'a cursor shape, line drawing in G0 and a shift out',
    input: utf8('\x1b[5 q\x1b(0\x1b)0\x0eq'),
    written: '\x1b[5 q\x1b(0\x1b)0\x0eq',
    restored: '\x1b[0 q\x1b(B\x0f' + RESET,
  },
  {
    what: 'a full reset (ESC c) becomes: undo what the replay changed, then clear the screen',
    input: utf8('\x1b[?1049h\x1bc$ '),
    written: '\x1b[?1049h\x1b[?1049l\x1b[0m\x1b[H\x1b[2J$ ',
  },
  {
    what: 'tab stops, printer, LEDs, 8-bit controls, UTF-8 switch, conformance level, XTSAVE/XTRESTORE',
    input: utf8('\x1bH\x1b[3g\x1b[5i\x1b[1q\x1b G\x1b%G\x1b[62;1"p\x1b[?2004s\x1b[?2004r\x1b[?69h\x1b[1;40s'),
    written: '',
    dropped: { other: 11 },
  },

  // 8-bit controls and bytes that are not UTF-8.
  {
    what: 'an 8-bit CSI in UTF-8 (U+009B) is read as ESC [: SGR kept (7-bit), DSR dropped',
    input: utf8('\u009b31mred\u009b6n'),
    written: '\x1b[31mred',
    dropped: { report: 1 },
  },
  {
    what: 'raw C1 bytes (not UTF-8) become U+FFFD: an 8-bit terminal cannot read them as CSI',
    input: latin1('\x9b6n\x9d52;c;aGk=\x9c'),
    written: '\ufffd6n\ufffd52;c;aGk=\ufffd',
  },
  {
    what: 'overlong and surrogate forms of ESC and CSI become U+FFFD',
    input: latin1('\xc0\x9b\xe0\x80\x9b\xed\xa0\x80[6n'),
    written: '\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd[6n',
  },
  {
    what: 'a character cut short by an escape: U+FFFD, and the escape still counts',
    input: latin1('\xe2\x80\x1b[6n'),
    written: '\ufffd',
    dropped: { report: 1 },
  },

  // Sequences that are broken off or malformed.
  {
    what: 'CAN and SUB cancel a sequence; what follows is text',
    input: utf8('\x1b[6\x18n\x1b]52;c;aGk=\x1atext'),
    written: 'ntext',
    dropped: { other: 1, clipboard: 1 },
  },
  {
    what: 'ESC inside a CSI starts a new sequence',
    input: utf8('\x1b[1\x1b[31mx'),
    written: '\x1b[31mx',
    dropped: { other: 1 },
  },
  {
    what: 'a C0 control inside a CSI is carried out (as terminals do), the CSI after it',
    input: utf8('\x1b[1\r;2H'),
    written: '\r\x1b[1;2H',
  },
  {
    what: 'a parameter string longer than any real one is ignored to its end',
    input: utf8(`\x1b[${'1;'.repeat(200)}mx`),
    written: 'x',
    dropped: { other: 1 },
  },
  {
    what: 'an OSC left open at the end is dropped, and counted',
    input: utf8('x\x1b]52;c;aGk='),
    written: 'x',
    dropped: { clipboard: 1 },
  },
  {
    what: 'a CSI or a character left incomplete at the end is forgotten',
    input: latin1('x\x1b[1;3\xe2'),
    written: 'x',
  },
];

describe('cli/domain/logs: ReplayFilter (what `logs play` writes of a session)', () => {
  for (const { what, input, written, restored = RESET, dropped = {} } of CASES) {
    it(what, () => {
      const whole = filter([input]);
      assert.deepEqual(whole, { written, restored, dropped });
      for (const pieces of splits(input)) {
        assert.deepEqual(
          filter(pieces),
          whole,
          `cut into ${pieces.map((piece) => JSON.stringify(Buffer.from(piece).toString('latin1'))).join(' + ')}`,
        );
      }
    });
  }

  it('holds a character or a sequence split across writes until it is whole', () => {
    const replay = new ReplayFilter();
    const write = (text: string) => Buffer.from(replay.write(latin1(text))).toString('latin1');
    assert.equal(write('caf\xc3'), 'caf');
    assert.equal(write('\xa9 \x1b[?10'), '\xc3\xa9 ');
    assert.equal(write('49h\x1b]52;c;'), '\x1b[?1049h');
    assert.equal(write('aGk=\x07done'), 'done');
  });

  it('counts what it left out, for a line on stderr', () => {
    const replay = new ReplayFilter();
    replay.write(utf8('\x1b]52;c;aGk=\x07\x1b]2;t\x07\x1b]2;u\x07\x1b[6n'));
    assert.equal(
      describeDropped(replay.dropped()),
      'clipboard writes (OSC 52): 1; window title changes (OSC 0/1/2): 2; ' +
        'requests the terminal would answer (CSI 6n, CSI c, DECRQM, ENQ…): 1',
    );
    assert.equal(describeDropped(new ReplayFilter().dropped()), undefined);
  });

  it('writes nothing but text, kept controls and kept sequences, whatever the input (fuzzed)', () => {
    // Kept sequences, as the filter writes them (7-bit), and the restore sequence's pieces.
    const KEPT = new RegExp(
      [
        '\\x1b[78DEMc]',
        '\\x1b[()][AB0]',
        '\\x1b#[34568]',
        '\\x1b\\[[0-9;]*[@A-HILMPSXZ^`a-f]',
        '\\x1b\\[[0-9]*T',
        '\\x1b\\[\\??[012]?[JK]',
        '\\x1b\\[[0-9:;]*m',
        '\\x1b\\[[0-9;]*r',
        '\\x1b\\[[su]',
        '\\x1b\\[(4|20)(;(4|20))*[hl]',
        '\\x1b\\[\\?(5|6|7|25|47|1047|1048|1049)(;(5|6|7|25|47|1047|1048|1049))*[hl]',
        '\\x1b\\[[0-6]? q',
        '\\x1b\\[!p',
      ].join('|'),
      'g',
    );
    // eslint-disable-next-line no-control-regex -- looking for control characters is the point
    const UNSAFE = /[\x00-\x06\x10-\x1a\x1c-\x1f\x7f-\x9f]/;
    const alphabet = [
      ...'\x1b\x1b\x1b[[]]P_^X\\;;0123456789?>=<$ "!*#()qhlmnctpuJ%G\x07\x18\x1a\x05\n\rab',
      '\xc2',
      '\x9b',
      '\x9c',
      '\x9d',
      '\xe2',
      '\x80',
    ].map((char) => char.charCodeAt(0));
    let seed = 0x9e3779b9;
    const random = () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 2 ** 32;
    };
    for (let round = 0; round < 2000; round++) {
      const input = Uint8Array.from(
        { length: 1 + Math.floor(random() * 40) },
        () => alphabet[Math.floor(random() * alphabet.length)]!,
      );
      const cut = Math.floor(random() * input.length);
      const result = filter([input.subarray(0, cut), input.subarray(cut)]);
      const output = result.written + result.restored;
      assert.equal(Buffer.from(output, 'utf8').toString('utf8'), output);
      const rest = output.replace(KEPT, '');
      const context = `${JSON.stringify(Buffer.from(input).toString('latin1'))} -> ${JSON.stringify(output)}`;
      assert.ok(!rest.includes('\x1b'), `an ESC outside a kept sequence: ${context}`);
      assert.doesNotMatch(rest, UNSAFE, context);
      assert.deepEqual(filter([input]), result, `depends on where it was cut: ${context}`);
    }
  });
});
