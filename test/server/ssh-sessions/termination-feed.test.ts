import assert from 'node:assert/strict';
import { TerminationFeed } from '../../../server/src/app/ssh-sessions/termination-feed.js';

describe('server: the termination feed that wakes session-control polls', () => {
  let latest = 0;
  let reads = 0;
  const feeds: TerminationFeed[] = [];
  const feed = (pollIntervalMs = 20) => {
    const made = new TerminationFeed({
      latestId: async () => {
        reads++;
        return latest;
      },
      pollIntervalMs,
    });
    feeds.push(made);
    return made;
  };
  beforeEach(() => {
    latest = 0;
    reads = 0;
  });
  afterEach(() => {
    for (const made of feeds.splice(0)) made.close();
  });

  it('a termination stored by this process wakes the waiters whose cursor is below it, at once', async () => {
    const f = feed(10_000);
    const low = f.waitForNewerThan(3, 5000);
    const high = f.waitForNewerThan(9, 200);
    f.notify(5);
    assert.equal(await low, 'changed');
    assert.equal(await high, 'timeout');
    assert.equal(f.waiting, 0);
  });

  it('one database read per interval for every waiter finds terminations other processes stored', async () => {
    const f = feed(20);
    const waits = Array.from({ length: 50 }, () => f.waitForNewerThan(0, 5000));
    await new Promise((resolve) => setTimeout(resolve, 110));
    const readsWhileIdle = reads;
    assert.ok(readsWhileIdle >= 2 && readsWhileIdle <= 8, `${readsWhileIdle} reads for 50 waiters`);
    latest = 1;
    assert.deepEqual(new Set(await Promise.all(waits)), new Set(['changed']));
    await new Promise((resolve) => setTimeout(resolve, 60));
    const after = reads;
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal(reads, after, 'no reads while nobody waits');
  });

  it('a wait ends on timeout, on abort, and on close (also for waits begun after it)', async () => {
    const f = feed();
    const started = Date.now();
    assert.equal(await f.waitForNewerThan(0, 50), 'timeout');
    assert.ok(Date.now() - started >= 45);
    const controller = new AbortController();
    const aborted = f.waitForNewerThan(0, 5000, controller.signal);
    controller.abort();
    assert.equal(await aborted, 'aborted');
    assert.equal(await f.waitForNewerThan(0, 5000, controller.signal), 'aborted');
    const pending = f.waitForNewerThan(0, 5000);
    f.close();
    assert.equal(await pending, 'closed');
    assert.equal(await f.waitForNewerThan(0, 5000), 'closed');
  });

  it('a failed read is reported and the loop carries on', async () => {
    const errors: unknown[] = [];
    let fail = true;
    const f = new TerminationFeed({
      latestId: async () => {
        if (fail) {
          fail = false;
          throw new Error('database away');
        }
        return 7;
      },
      pollIntervalMs: 10,
      onError: (error) => errors.push(error),
    });
    feeds.push(f);
    assert.equal(await f.waitForNewerThan(0, 2000), 'changed');
    assert.equal(errors.length, 1);
  });
});
