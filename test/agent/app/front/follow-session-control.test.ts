import assert from 'node:assert/strict';
import { followSessionControl } from '../../../../agent/src/app/front/follow-session-control.js';
import { FakeAgentServer } from '../agent/agent-fakes.js';

describe('agent/app/front: followSessionControl', () => {
  it('pauses after an empty answer, so a server that does not wait cannot make it spin', async () => {
    const server = new FakeAgentServer();
    const stop = new AbortController();
    const pauses: number[] = [];
    await followSessionControl(
      {
        server,
        front: { endSessions: () => 0 },
        random: () => 0,
        sleep: async (ms) => {
          pauses.push(ms);
          if (pauses.length === 3) stop.abort();
        },
        log: () => {},
      },
      stop.signal,
    );
    assert.deepEqual(pauses, [1000, 1000, 1000]);
  });

  it('starts at the current cursor, carries out each order once, and stops when told', async () => {
    const server = new FakeAgentServer();
    server.sessionOrders.push(
      { terminations: [], cursor: 7 },
      {
        terminations: [
          { id: 8, session_id: 's-1', issued_before: '2026-12-07T12:00:00Z', reason: 'ended_by_admin' },
          {
            id: 9,
            person: 'ada@example.com',
            issued_before: '2026-12-07T12:00:01Z',
            reason: 'user_disabled',
          },
        ],
        cursor: 9,
      },
      {
        terminations: [
          { id: 9, session_id: 's-1', issued_before: '2026-12-07T12:00:00Z', reason: 'ended_by_admin' },
        ],
        cursor: 9,
      },
    );
    const ended: unknown[] = [];
    const stop = new AbortController();
    const front = {
      endSessions(ending: unknown) {
        ended.push(ending);
        if (ended.length === 2) stop.abort();
        return 1;
      },
    };
    await followSessionControl(
      { server, front, random: () => 0, sleep: async () => {}, log: () => {} },
      stop.signal,
    );
    assert.equal(server.sessionControlCalls[0]!.after, undefined, 'the first poll asks for the cursor only');
    assert.equal(server.sessionControlCalls[1]!.after, 7);
    assert.equal(server.sessionControlCalls.length, 2, 'stopped after the abort');
    assert.deepEqual(ended, [
      { sessionId: 's-1', startedBefore: new Date('2026-12-07T12:00:00Z'), reason: 'ended_by_admin' },
      { person: 'ada@example.com', startedBefore: new Date('2026-12-07T12:00:01Z'), reason: 'user_disabled' },
    ]);
  });
});
