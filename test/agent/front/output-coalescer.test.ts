import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { HOLD_MS, MAX_BYTES, OutputCoalescer } from '../../../agent/src/front/output-coalescer.js';

class Sink extends EventEmitter {
  writes: Buffer[] = [];
  full = false;
  write(bytes: Buffer): boolean {
    this.writes.push(bytes);
    return !this.full;
  }
}

describe('agent/front: OutputCoalescer', () => {
  let clock = 0;
  const now = () => clock;
  const source = {
    paused: 0,
    resumed: 0,
    pause() {
      this.paused++;
    },
    resume() {
      this.resumed++;
    },
  };

  it('sends an isolated piece on the next turn, unchanged (an echo waits for no timer)', async () => {
    const sink = new Sink();
    const tapped: Buffer[] = [];
    const coalescer = new OutputCoalescer(sink, source, (b) => tapped.push(b), now);
    coalescer.push(Buffer.from('a'));
    assert.equal(sink.writes.length, 0);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(sink.writes.map(String), ['a']);
    assert.deepEqual(tapped.map(String), ['a']);
  });

  it('gathers pieces while output streams, and writes every byte in order', async () => {
    const sink = new Sink();
    const coalescer = new OutputCoalescer(sink, source, () => {}, now);
    coalescer.push(Buffer.from('1'));
    await new Promise((resolve) => setImmediate(resolve));
    clock += 0.5; // streaming: the last write was under HOLD_MS ago
    for (const piece of ['2', '3', '4']) coalescer.push(Buffer.from(piece));
    await new Promise((resolve) => setTimeout(resolve, HOLD_MS + 5));
    assert.deepEqual(sink.writes.map(String), ['1', '234']);
  });

  it('writes at once when MAX_BYTES are gathered', () => {
    const sink = new Sink();
    const coalescer = new OutputCoalescer(sink, source, () => {}, now);
    coalescer.push(Buffer.alloc(MAX_BYTES - 1));
    coalescer.push(Buffer.alloc(1));
    assert.equal(sink.writes.length, 1);
    assert.equal(sink.writes[0]!.length, MAX_BYTES);
  });

  it('pauses the source while the client is full, and resumes it on drain', () => {
    const sink = new Sink();
    sink.full = true;
    const paused = source.paused;
    const coalescer = new OutputCoalescer(sink, source, () => {}, now);
    coalescer.push(Buffer.alloc(MAX_BYTES));
    assert.equal(source.paused, paused + 1);
    sink.emit('drain');
    assert.equal(source.resumed > 0, true);
  });
});
