import assert from 'node:assert/strict';
import { LIVE_SESSION_MAX_AGE_MS, liveSessions } from '../../../server/src/domain/live-sessions.js';
import type { AgentRecord, AgentSessionRecord } from '../../../server/src/domain/records.js';

const NOW = new Date('2026-11-24T12:00:00.000Z');

function session(sessionId: string, startedAt: string): AgentSessionRecord {
  return { sessionId, person: 'ada@example.com', unixUser: 'deploy', program: 'shell', startedAt };
}

function agent(
  id: string,
  secondsAgo: number | undefined,
  sessions: AgentSessionRecord[] | undefined,
  targetId?: string,
): Pick<AgentRecord, 'id' | 'hostname' | 'targetId' | 'heartbeat' | 'lastSeenAt'> {
  return {
    id,
    hostname: `host-${id}`,
    ...(targetId === undefined ? {} : { targetId }),
    ...(secondsAgo === undefined ? {} : { lastSeenAt: new Date(NOW.getTime() - secondsAgo * 1000) }),
    heartbeat: {
      version: '0.2.0',
      distro: 'debian 12',
      sshdConfig: { state: 'trusted' },
      ...(sessions === undefined ? {} : { sessions }),
    },
  };
}

describe('server/domain: live sessions from heartbeats', () => {
  it('only agents heard from within the last 3 minutes count', () => {
    const edge = LIVE_SESSION_MAX_AGE_MS / 1000;
    const listed = liveSessions(
      [
        agent('a', 10, [session('s-a', '2026-11-24T11:00:00Z')]),
        agent('b', edge, [session('s-b', '2026-11-24T11:00:01Z')]),
        agent('c', edge + 1, [session('s-c', '2026-11-24T11:00:02Z')]),
        agent('d', undefined, [session('s-d', '2026-11-24T11:00:03Z')]),
        agent('e', 1, undefined),
      ],
      NOW,
    );
    assert.deepEqual(
      listed.map((s) => s.sessionId),
      ['s-a', 's-b'],
    );
  });

  it('says which agent, host and target reported each session, oldest session first', () => {
    const listed = liveSessions(
      [
        agent('a', 5, [
          session('late', '2026-11-24T11:30:00Z'),
          session('early', '2026-11-24T10:00:00+01:00'),
        ]),
        agent('b', 7, [session('middle', '2026-11-24T09:30:00.000Z')], 'target-b'),
      ],
      NOW,
    );
    assert.deepEqual(
      listed.map((s) => [s.sessionId, s.agentId, s.hostname, s.targetId]),
      [
        ['early', 'a', 'host-a', undefined],
        ['middle', 'b', 'host-b', 'target-b'],
        ['late', 'a', 'host-a', undefined],
      ],
    );
    assert.deepEqual(listed[1]!.reportedAt, new Date(NOW.getTime() - 7000));
  });
});
