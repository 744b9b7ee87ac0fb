import assert from 'node:assert/strict';
import type { LogPacket } from '@latchkey/shared';
import { playLog, type PlayDeps } from '../../../../cli/src/app/logs/play-log.js';

function origin(micros: number, text: string): LogPacket {
  return { source: 1, code: 0, elapsedMicros: micros, data: Buffer.from(text) };
}

/** A fake clock: sleeping advances it; `stopAfterWrites` plays Ctrl-C. */
function fakeTerminal(stopAfterWrites = Infinity) {
  let now = 0;
  const written: string[] = [];
  const sleeps: number[] = [];
  const deps: PlayDeps = {
    write: async (bytes) => {
      written.push(typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString());
    },
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms + 3; // timers fire late
    },
    stopped: () => written.length >= stopAfterWrites,
  };
  return { deps, written, sleeps };
}

describe('cli/app/logs: play', () => {
  const packets = [
    origin(0, 'a'),
    origin(100, 'b'),
    origin(1_000_000, '\x1b[?1049hc'),
    origin(3_000_000, 'd'),
  ];

  it('writes the output on one schedule (late timers do not add up) and gives the terminal back', async () => {
    const terminal = fakeTerminal();
    const result = await playLog(terminal.deps, { packets }, { speed: 2 });
    assert.equal(result.completed, true);
    assert.deepEqual(terminal.written, ['a', 'b', '\x1b[?1049hc', 'd', '\x1b[?1049l\x1b[0m']);
    // A 0.05 ms wait is not slept; 500 ms, then the rest of 1500 ms less the 3 ms the timer was late.
    assert.deepEqual(terminal.sleeps, [500, 997]);
  });

  it('stops between writes when interrupted and still restores the terminal', async () => {
    const terminal = fakeTerminal(3);
    const result = await playLog(terminal.deps, { packets }, { speed: 1 });
    assert.equal(result.completed, false);
    assert.deepEqual(terminal.written, ['a', 'b', '\x1b[?1049hc', '\x1b[?1049l\x1b[0m']);
  });

  it('leaves out what reaches outside the replay, even split across packets, and counts it', async () => {
    const terminal = fakeTerminal();
    const hostile = [
      origin(0, '$ cat notes\r\n\x1b]52;c;ZWNobyBvd25lZA=='),
      origin(10, '\x07\x1b]0;owned\x07\x1b[6'),
      origin(20, 'n\x1b[?2004h\x1b[?1049hhi'),
    ];
    const result = await playLog(terminal.deps, { packets: hostile }, { speed: 1000 });
    assert.equal(result.completed, true);
    // The second packet writes nothing; the CSI 6n split across packets is dropped whole.
    assert.deepEqual(terminal.written, ['$ cat notes\r\n', '\x1b[?1049hhi', '\x1b[?1049l\x1b[0m']);
    assert.deepEqual(Object.fromEntries(result.dropped), { clipboard: 1, title: 1, report: 1, input: 1 });
  });

  it('--raw writes the recorded bytes as they are, and still gives the terminal back', async () => {
    const terminal = fakeTerminal();
    const hostile = [origin(0, '\x1b]52;c;aGk=\x07\x1b[?2004h'), origin(10, '\x1b[6nx')];
    const result = await playLog(terminal.deps, { packets: hostile }, { speed: 1000, raw: true });
    assert.deepEqual(terminal.written, ['\x1b]52;c;aGk=\x07\x1b[?2004h', '\x1b[6nx', '\x1b[?2004l\x1b[0m']);
    assert.equal(result.dropped.size, 0);
  });

  it('refuses a speed that is not above 0', async () => {
    for (const speed of [0, -1, Number.NaN]) {
      await assert.rejects(playLog(fakeTerminal().deps, { packets }, { speed }), {
        code: 'invalid_argument',
        message: /--speed/,
      });
    }
  });
});
